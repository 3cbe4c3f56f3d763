package io.interrupthub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles over nanosecond samples, and a minimal JSON writer for the harness programs' results. */
final class Stats {

    private Stats() {}

    /** Nearest-rank percentile of {@code sorted}, {@code q} in (0, 1]. */
    static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(rank, sorted.length - 1))];
    }

    /** count, p50, p99, p999, max and mean of nanosecond samples, in microseconds. */
    static Map<String, Object> summary(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", sorted.length);
        out.put("p50_us", micros(percentile(sorted, 0.50)));
        out.put("p99_us", micros(percentile(sorted, 0.99)));
        out.put("p999_us", micros(percentile(sorted, 0.999)));
        out.put("max_us", micros(sorted[sorted.length - 1]));
        out.put("mean_us", micros((long) Arrays.stream(sorted).average().orElse(0)));
        return out;
    }

    static double micros(long nanos) {
        return Math.round(nanos / 10.0) / 100.0;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static void write(Path file, Map<String, Object> root) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, json(root) + "\n");
        System.out.println(file + ": " + json(root));
    }

    static String json(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ", ")
                        .append(json(String.valueOf(e.getKey())))
                        .append(": ")
                        .append(json(e.getValue()));
                first = false;
            }
            return out.append('}').toString();
        }
        if (value instanceof Iterable<?> list) {
            StringBuilder out = new StringBuilder("[");
            boolean first = true;
            for (Object v : list) {
                out.append(first ? "" : ", ").append(json(v));
                first = false;
            }
            return out.append(']').toString();
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        String s = value.toString();
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
