package io.interrupthub.core;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a tentative interrupt did: the device's pause, and whether it was already paused (then nothing
 * changed: a second tentative interrupt neither pauses again nor extends the window).
 *
 * @param modules the modules' {@code pause} actions, completing as they answer (empty when none declare one)
 */
public record PauseResult(Pause pause, boolean alreadyPaused, CompletableFuture<List<ModuleResult>> modules) {}
