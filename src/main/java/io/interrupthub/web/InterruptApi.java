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
 *
 * <p>Its operations that change state and answer with a body name the media types of their answers ({@code produces}
 * JSON and YAML): a request that accepts neither is refused (406) before anything is done. Without it, Spring MVC
 * would choose the answer's type after the work, and a client told 406 could retry an interrupt that happened.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface InterruptApi {}
