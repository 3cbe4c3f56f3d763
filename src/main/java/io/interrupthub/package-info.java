/**
 * The standalone Interrupt Hub service: its {@code main}, the defaults it ships with (the project's
 * {@code application.yml}) and the choices that are the service's rather than the library's, such as writing
 * the per-interrupt log line through a bounded queue.
 */
@NullMarked
package io.interrupthub;

import org.jspecify.annotations.NullMarked;
