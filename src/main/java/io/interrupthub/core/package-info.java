/**
 * The interrupt model in plain Java, usable from any framework: devices and their epochs and flags, sessions
 * and their handles, modules and their named actions, and {@link io.interrupthub.core.InterruptManager}, which
 * bumps a device's epoch, marks its sessions, fans the interrupt out to every module within its timeout and
 * records what happened. Time comes from an injected {@link java.time.Clock}; everything it holds is bounded.
 */
package io.interrupthub.core;
