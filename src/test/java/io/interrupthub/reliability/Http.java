package io.interrupthub.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sends exactly what a hostile client would: the JDK HttpClient for requests a URI can express, a raw socket
 * for the rest (illegal bytes in the request line, broken headers, methods the client refuses to send).
 */
final class Http {

    static final JsonMapper JSON = JsonMapper.shared();

    /** Text that would show internals in an error body. */
    static final List<String> LEAKS = List.of(
            "Exception",
            "exception",
            "java.",
            "javax.",
            "jakarta.",
            "org.springframework",
            "tools.jackson",
            "com.fasterxml",
            "io.interrupthub",
            "org.apache",
            "\tat ",
            "stackTrace",
            "trace",
            "Caused by",
            "Tomcat",
            "Jetty",
            "<html",
            "Whitelabel");

    static final Set<String> PROBLEM_FIELDS = Set.of("type", "title", "status", "detail", "instance");

    private final int port;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    Http(int port) {
        this.port = port;
    }

    int port() {
        return port;
    }

    /** One answer. Header names are lower-case. */
    record Reply(int status, Map<String, List<String>> headers, String body) {

        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        String contentType() {
            return header("content-type");
        }

        JsonNode json() {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            String shown = body.length() > 300 ? body.substring(0, 300) + "…" : body;
            return status + " " + contentType() + " " + shown;
        }
    }

    /** A request; {@code path} is sent as written (already percent-encoded, or deliberately not). */
    record Request(
            String method, String path, String contentType, byte[] body, Map<String, String> headers, boolean chunked) {

        static Request of(String method, String path) {
            return new Request(method, path, null, null, Map.of(), false);
        }

        Request json(String text) {
            return new Request(
                    method, path, "application/json", text.getBytes(StandardCharsets.UTF_8), headers, chunked);
        }

        Request body(String type, byte[] bytes) {
            return new Request(method, path, type, bytes, headers, chunked);
        }

        Request header(String name, String value) {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.put(name, value);
            return new Request(method, path, contentType, body, all, chunked);
        }

        Request sentChunked() {
            return new Request(method, path, contentType, body, headers, true);
        }

        /** The path without its query, as the server reports it in a problem's {@code instance}. */
        String pathOnly() {
            String path = this.path;
            if (method.equals("RAW")) { // the request line as sent: its target
                int start = path.indexOf(' ') + 1;
                int end = path.indexOf(' ', start);
                path = end < 0 ? path.substring(start) : path.substring(start, end);
            }
            int q = path.indexOf('?');
            return q < 0 ? path : path.substring(0, q);
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder(method).append(' ').append(printable(path, 90));
            if (contentType != null) {
                out.append(" [").append(printable(contentType, 40)).append(']');
            }
            if (body != null) {
                out.append(" body ")
                        .append(
                                body.length > 60
                                        ? body.length + " bytes"
                                        : printable(new String(body, StandardCharsets.UTF_8), 60));
            }
            headers.forEach((k, v) -> out.append(' ').append(k).append(": ").append(printable(v, 30)));
            return chunked ? out.append(" (chunked)").toString() : out.toString();
        }
    }

    /** Shows control and non-ASCII characters as escapes, so test names stay one readable line. */
    static String printable(String text, int max) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(max).forEach(cp -> {
            if (cp < 0x20
                    || cp == 0x7F
                    || (cp > 0x7E && cp < 0xA0)
                    || cp > 0xFFFF
                    || Character.getType(cp) == Character.FORMAT) {
                out.append(String.format("\\u{%X}", cp));
            } else if (cp > 0x7E) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return text.codePointCount(0, text.length()) > max ? out + "…(" + text.length() + " chars)" : out.toString();
    }

    Reply send(Request request) {
        URI uri;
        try {
            uri = URI.create("http://127.0.0.1:" + port + request.path());
        } catch (IllegalArgumentException notAUri) {
            return raw(request);
        }
        if (request.method().equals("CONNECT") || !request.method().matches("[A-Z]+")) {
            return raw(request);
        }
        HttpRequest built;
        try {
            built = build(uri, request);
        } catch (IllegalArgumentException refusedByTheClient) {
            return raw(request); // e.g. a header value the JDK client will not send
        }
        try {
            HttpResponse<byte[]> response = client.send(built, HttpResponse.BodyHandlers.ofByteArray());
            Map<String, List<String>> headers = new LinkedHashMap<>();
            response.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
            return new Reply(response.statusCode(), headers, new String(response.body(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("no answer to " + request + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static HttpRequest build(URI uri, Request request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        HttpRequest.BodyPublisher publisher;
        if (request.body() == null) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else if (request.chunked()) {
            byte[] bytes = request.body();
            publisher = HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes));
        } else {
            publisher = HttpRequest.BodyPublishers.ofByteArray(request.body());
        }
        builder.method(request.method(), publisher);
        if (request.contentType() != null) {
            builder.header("Content-Type", request.contentType());
        }
        request.headers().forEach(builder::header);
        if (!request.headers().containsKey("Accept")) {
            builder.header("Accept", "application/json, application/problem+json");
        }
        return builder.build();
    }

    /** Opens a streaming GET (Server-Sent Events); the caller closes the body. */
    HttpResponse<InputStream> openStream(String path, String accept) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", accept)
                .GET()
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Writes the request byte for byte to a socket; reads the answer until the server closes. */
    Reply raw(Request request) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] body = request.body() == null ? new byte[0] : request.body();
        write(head, request.method() + " ");
        write(head, request.path().getBytes(StandardCharsets.UTF_8));
        write(head, " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n");
        if (!request.headers().containsKey("Accept")) {
            write(head, "Accept: application/json, application/problem+json\r\n");
        }
        if (request.contentType() != null) {
            write(head, ("Content-Type: " + request.contentType() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        request.headers().forEach((k, v) -> write(head, (k + ": " + v + "\r\n").getBytes(StandardCharsets.UTF_8)));
        if (body.length > 0 && !request.headers().containsKey("Content-Length")) {
            write(head, "Content-Length: " + body.length + "\r\n");
        }
        write(head, "\r\n");
        write(head, body);
        return rawBytes(head.toByteArray(), request.toString());
    }

    /** Sends these exact bytes (request line, headers and all). */
    Reply rawBytes(byte[] bytes, String description) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            socket.shutdownOutput();
            return parse(socket.getInputStream().readAllBytes(), description);
        } catch (IOException e) {
            throw new AssertionError("no answer to raw " + description + ": " + e, e);
        }
    }

    private static Reply parse(byte[] bytes, String description) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end)
                .as("a complete HTTP answer to %s: %s", description, printable(text, 200))
                .isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(
                            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        byte[] rest = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        List<String> encoding = headers.get("transfer-encoding");
        if (encoding != null && encoding.get(0).equalsIgnoreCase("chunked")) {
            rest = dechunk(rest);
        }
        return new Reply(Integer.parseInt(statusLine[1]), headers, new String(rest, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < data.length) {
            int lineEnd = indexOf(data, i);
            if (lineEnd < 0) {
                break;
            }
            String sizeText = new String(data, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size = Integer.parseInt(sizeText, 16);
            if (size == 0) {
                break;
            }
            out.write(data, lineEnd + 2, size);
            i = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, int from) {
        for (int i = from; i < data.length - 1; i++) {
            if (data[i] == '\r' && data[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void write(ByteArrayOutputStream out, String text) {
        write(out, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void write(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes, 0, bytes.length);
    }

    // ---- what every refusal must look like -------------------------------------------------------------------

    /**
     * A refusal as the contract wants it: one of the allowed 4xx statuses, {@code application/problem+json},
     * {@code type "about:blank"}, the status's reason phrase as title, the same status inside, a detail, the
     * request path as instance when present, no other members, and nothing internal in the body.
     */
    static JsonNode assertProblem(Reply reply, Set<Integer> allowed, Request request) {
        String what = request + " -> " + reply;
        if (!allowed.contains(reply.status())) {
            assertThat(reply.status()).as("never a 5xx: %s", what).isLessThan(500);
            assertThat(allowed).as("status of %s", what).contains(reply.status());
        }
        assertNoLeak(reply, what);
        assertThat(reply.contentType())
                .as("content type of %s", what)
                .isNotNull()
                .startsWith("application/problem+json");
        JsonNode problem;
        try {
            problem = reply.json();
        } catch (RuntimeException e) {
            throw new AssertionError("problem body is not JSON: " + what, e);
        }
        assertThat(problem.isObject()).as("problem is an object: %s", what).isTrue();
        Set<String> fields = new TreeSet<>(problem.propertyNames());
        assertThat(PROBLEM_FIELDS).as("members of %s", what).containsAll(fields);
        assertThat(fields).as("members of %s", what).contains("type", "title", "status", "detail");
        assertThat(problem.get("type").asString()).as("type of %s", what).isEqualTo("about:blank");
        assertThat(problem.get("status").isIntegralNumber()
                        && problem.get("status").intValue() == reply.status())
                .as("status member of %s", what)
                .isTrue();
        assertThat(problem.get("title").asString())
                .as("title of %s", what)
                .isEqualTo(HttpStatus.valueOf(reply.status()).getReasonPhrase());
        assertThat(problem.get("detail").isString()
                        && !problem.get("detail").asString().isBlank())
                .as("detail of %s", what)
                .isTrue();
        if (problem.has("instance")) {
            assertThat(problem.get("instance").asString())
                    .as("instance of %s", what)
                    .isEqualTo(request.pathOnly());
        }
        if (reply.status() == 405) {
            assertThat(reply.header("allow")).as("Allow header of %s", what).isNotBlank();
        }
        return problem;
    }

    static void assertNoLeak(Reply reply, String what) {
        for (String leak : LEAKS) {
            assertThat(reply.body())
                    .as("body shows internals (%s): %s", leak, what)
                    .doesNotContain(leak);
        }
    }
}
