/**
 * Cluster mode through Redis: instances of the service share epochs, session counts and interrupts, so an
 * interrupt that reaches one instance stops the device's sessions and modules on every other, acknowledged.
 */
package io.interrupthub.cluster;
