package io.interrupthub.core;

import java.time.Duration;
import java.util.List;

/** A registered module as configured: the actions it declares and those that run, in order. */
public record ModuleInfo(
        String module, boolean enabled, Duration timeout, List<String> declaredActions, List<String> actions) {}
