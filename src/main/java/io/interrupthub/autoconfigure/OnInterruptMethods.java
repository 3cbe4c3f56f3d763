package io.interrupthub.autoconfigure;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.interrupthub.core.InterruptCause;
import io.interrupthub.core.Interruptible;
import io.interrupthub.core.ModuleAction;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/** Collects {@link OnInterrupt} methods as beans are created; the registrar turns them into modules. */
final class OnInterruptMethods implements BeanPostProcessor {

    private record Found(Object bean, String beanName, Method method, OnInterrupt annotation, String action) {}

    private final List<Found> found = new ArrayList<>();

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> type = AopUtils.getTargetClass(bean);
        Map<Method, OnInterrupt> methods =
                MethodIntrospector.selectMethods(type, (MethodIntrospector.MetadataLookup<OnInterrupt>)
                        method -> AnnotatedElementUtils.findMergedAnnotation(method, OnInterrupt.class));
        methods.forEach((method, annotation) -> {
            Class<?>[] parameters = method.getParameterTypes();
            if (parameters.length > 1 || (parameters.length == 1 && parameters[0] != InterruptCause.class)) {
                throw new IllegalStateException("@OnInterrupt method " + type.getName() + "." + method.getName()
                        + " must take no argument or one InterruptCause");
            }
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            ReflectionUtils.makeAccessible(invocable);
            String action = annotation.action().isEmpty() ? snakeCase(method.getName()) : annotation.action();
            synchronized (found) {
                found.add(new Found(bean, beanName, invocable, annotation, action));
            }
        });
        return bean;
    }

    /** One module per distinct {@link OnInterrupt#module()}, its actions ordered by order, then name. */
    List<Interruptible> modules() {
        Map<String, List<Found>> byModule = new LinkedHashMap<>();
        synchronized (found) {
            found.stream()
                    .sorted(Comparator.comparingInt((Found f) -> f.annotation().order())
                            .thenComparing(Found::action))
                    .forEach(f -> byModule.computeIfAbsent(f.annotation().module(), m -> new ArrayList<>())
                            .add(f));
        }
        List<Interruptible> modules = new ArrayList<>();
        byModule.forEach((module, actions) -> {
            modules.add(Interruptible.of(
                    module, actions.stream().map(OnInterruptMethods::action).toArray(ModuleAction[]::new)));
        });
        return modules;
    }

    private static ModuleAction action(Found f) {
        boolean takesCause = f.method().getParameterCount() == 1;
        return ModuleAction.of(f.action(), cause -> {
            try {
                if (takesCause) {
                    f.method().invoke(f.bean(), cause);
                } else {
                    f.method().invoke(f.bean());
                }
            } catch (InvocationTargetException e) {
                Throwable target = e.getTargetException();
                if (target instanceof Exception exception) {
                    throw exception;
                }
                throw (Error) target;
            }
        });
    }

    static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
