package io.interrupthub.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a bean method an action of a module, for code that reads better that way than implementing
 * {@link io.interrupthub.core.Interruptible}:
 *
 * <pre>{@code
 * @OnInterrupt(module = "text_processing")
 * void cancelGeneration(InterruptCause cause) { generator.cancel(cause.hardwareId()); }
 * }</pre>
 *
 * The method takes no argument or one {@link io.interrupthub.core.InterruptCause}. Methods naming the
 * same module form one module; its actions run in {@link #order()}, then by name, unless
 * {@code INTERRUPT_MODULES_<NAME>_METHODS} says otherwise.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnInterrupt {

    /** The module this action belongs to, e.g. {@code text_processing}. */
    String module();

    /** The action's name; by default the method's name in snake case ({@code cancelGeneration} → {@code cancel_generation}). */
    String action() default "";

    /** Position among the module's actions; lower runs first. */
    int order() default 0;
}
