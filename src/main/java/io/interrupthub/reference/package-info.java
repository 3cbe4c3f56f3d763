/**
 * The reference voice pipeline, a demonstration that is off by default: a session's answer streams word by
 * word while four small modules (text processing, audio generation, database cache, memory) hold its
 * per-device work, so an interrupt can be seen stopping the stream mid-sentence and emptying every module,
 * with how much of the answer the user heard.
 */
@NullMarked
package io.interrupthub.reference;

import org.jspecify.annotations.NullMarked;
