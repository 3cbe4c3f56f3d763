package io.interrupthub.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a controller of the interrupt API. Its paths start at {@code interrupt.web.base-path}, and the API's
 * own error handling applies to it and to nothing else, so an application that embeds the library keeps its
 * own for its own controllers.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface InterruptApi {}
