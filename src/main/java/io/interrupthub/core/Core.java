package io.interrupthub.core;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * What every part of one manager works on: its settings and clock, the devices (the only locks), the sessions,
 * the modules and the pool that calls them, where events leave, and the cluster link of the moment.
 */
record Core(
        InterruptSettings settings,
        Clock clock,
        DeviceTable devices,
        SessionTracker sessions,
        ModuleRegistry registry,
        FanOut fanOut,
        Events events,
        Supplier<ClusterLink> link) {}
