package io.nightbake.runs;

import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * A graceful stop (SIGTERM, or the application context closing) while this process runs a night: the night is asked
 * to stop (Spring Batch's STOPPING), so no new tenant partition starts and no later phase begins, while the partitions
 * in flight finish; the shutdown waits up to {@code nightbake.shutdown.grace} for that. The run then ends STOPPED, not
 * FAILED: `rerun`, the next `serve` start or the schedule resume it, doing only the tenants that did not finish.
 * Stopped first among the lifecycle beans, while the database and the thread pools are still there.
 */
@Component
public class GracefulStop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);

    private final RunHeartbeats heartbeats;
    private final JobOperator jobOperator;
    private final Duration grace;
    private volatile boolean running;

    public GracefulStop(RunHeartbeats heartbeats, JobOperator jobOperator,
                        @Value("${nightbake.shutdown.grace:60s}") Duration grace) {
        this.heartbeats = heartbeats;
        this.jobOperator = jobOperator;
        this.grace = grace;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before every other lifecycle bean (the scheduler, the web server) stops. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void stop() {
        running = false;
        stopRuns();
    }

    /** Asks this process's running nights to stop and waits for them, up to the grace period; true when all ended. */
    public boolean stopRuns() {
        Set<Long> mine = heartbeats.runningHere();
        if (mine.isEmpty()) {
            return true;
        }
        for (long id : mine) {
            try {
                jobOperator.stop(id);
                log.warn("shutting down: run execution {} stops taking tenants and finishes those in flight (grace {})", id, grace);
            } catch (Exception e) {
                log.warn("shutting down: run execution {} could not be asked to stop: {}", id, e.getMessage());
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!heartbeats.runningHere().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Set<Long> left = heartbeats.runningHere();
        if (left.isEmpty()) {
            log.warn("shutting down: run executions {} stopped; rerun (or the next start of serve) resumes them", mine);
            return true;
        }
        log.error("shutting down: run executions {} did not stop within {} (nightbake.shutdown.grace); crash recovery "
                + "will mark them failed and a rerun resumes them", left, grace);
        return false;
    }
}
