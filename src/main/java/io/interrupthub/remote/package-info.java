/**
 * Modules outside the JVM: a webhook module calls a remote worker's HTTP endpoint with each interrupt, bounded
 * by the module's timeout and concurrency, with no Spring dependency.
 */
@NullMarked
package io.interrupthub.remote;

import org.jspecify.annotations.NullMarked;
