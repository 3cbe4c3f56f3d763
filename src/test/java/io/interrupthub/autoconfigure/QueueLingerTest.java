package io.interrupthub.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pause of a queue's consumer is short enough that the queue cannot fill during it, and it ends at once when the
 * consumer is woken on purpose (a new stream) or stopped (an interrupt), so neither waits for it.
 */
class QueueLingerTest {

    @Test
    void aPauseFillsAtMostAQuarterOfAnyQueueAtTheFastestRate() {
        for (int capacity : new int[] {1, 4, 16, 1024, 65_536, 10_000_000}) {
            long nanos = QueueLinger.forCapacity(capacity).nanos();
            long fillableDuringPause = nanos * QueueLinger.FASTEST_PER_SECOND / TimeUnit.SECONDS.toNanos(1);
            assertThat(nanos).as("capacity %d", capacity).isPositive().isLessThanOrEqualTo(QueueLinger.LONGEST_NANOS);
            assertThat(fillableDuringPause).as("capacity %d", capacity).isLessThanOrEqualTo(Math.max(1, capacity / 4));
        }
    }

    @Test
    void theDefaultQueuesPauseForMillisecondsNotLonger() {
        assertThat(QueueLinger.forCapacity(1024).nanos()).isEqualTo(TimeUnit.MICROSECONDS.toNanos(2560));
        assertThat(QueueLinger.forCapacity(65_536).nanos()).isEqualTo(QueueLinger.LONGEST_NANOS);
    }

    @Test
    void anUnparkEndsThePauseAtOnce() throws Exception {
        assertPauseEndsEarly(LockSupport::unpark, false);
    }

    @Test
    void anInterruptEndsThePauseAtOnceAndStaysSetForTheNextWait() throws Exception {
        assertPauseEndsEarly(Thread::interrupt, true);
    }

    /**
     * A pause ten thousand times the longest, so that a pause that ended by itself would make the test time out;
     * the consumer is woken once it is parked in the pause.
     */
    private static void assertPauseEndsEarly(Consumer<Thread> wake, boolean interruptStaysSet) throws Exception {
        QueueLinger longPause = new QueueLinger(Duration.ofSeconds(50).toNanos());
        CountDownLatch ended = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread consumer = new Thread(() -> {
            longPause.pause();
            interrupted.set(Thread.currentThread().isInterrupted());
            ended.countDown();
        });
        consumer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> LockSupport.getBlocker(consumer) == longPause);
        wake.accept(consumer);
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(interrupted.get()).isEqualTo(interruptStaysSet);
    }
}
