/**
 * Fan-out of events to many listening streams (SSE subscribers, gRPC watchers): a cap on streams, a bounded outbox
 * per stream, one writer at a time per stream, and a stream that falls too far behind is ended rather than thinned.
 * Plain Java, shared by the web and gRPC packages.
 */
package io.interrupthub.stream;
