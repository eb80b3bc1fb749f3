package io.nightbake.runs;

import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.batch.RunReport;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Service;

/**
 * Operators' view of nightly runs: list them, look at one per tenant, rerun the failed tenants of one. A run is one
 * night ({@code runId}); its attempts are the launches and reruns of it ({@code attemptId}); see {@link RunReport}.
 */
@Service
public class RunsService {

    private final RunQueries queries;
    private final RunReport report;
    private final NightlyLauncher launcher;
    private final RunRecovery recovery;

    public RunsService(JobRepository jobRepository, RunReport report, NightlyLauncher launcher, RunRecovery recovery) {
        this.queries = new RunQueries(jobRepository, report);
        this.report = report;
        this.launcher = launcher;
        this.recovery = recovery;
    }

    /**
     * One run (night): its status and exit code are its latest attempt's, started when its first attempt started and
     * ended when its latest ended; {@code failedTenants} counts tenants, not partitions.
     */
    public record RunSummary(long runId, LocalDate runDate, String status, String exitCode, LocalDateTime startTime,
                             LocalDateTime endTime, int attempts, long failedTenants) {
    }

    /** The latest runs first. */
    public List<RunSummary> list(int limit) {
        return queries.list(limit);
    }

    /** The run per tenant (the latest attempt for each). */
    public RunReport.Run show(long runId) {
        return queries.show(runId);
    }

    /**
     * Reruns run {@code runId}: marks a dead attempt failed first, then restarts the run so that only the tenants that
     * failed or never finished run again. Returns when the rerun has ended.
     *
     * @throws NothingToRerunException when the run completed (nothing failed) or is still running
     * @throws RunLock.HeldException   when another night is running
     */
    public RunReport.Run rerun(long runId) throws Exception {
        checkRerunnable(runId);
        return report.of(launcher.run(runDate(runId)));
    }

    /** Fails with {@link NothingToRerunException} unless run {@code runId} failed or stopped (after crash recovery). */
    public void checkRerunnable(long runId) {
        latestAttempt(runId); // unknown ids first
        recovery.recoverDeadRuns();
        JobExecution last = latestAttempt(runId);
        LocalDate date = last.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
        if (last.getStatus() == BatchStatus.COMPLETED) {
            throw new NothingToRerunException("nothing to rerun: run " + runId + " (" + date
                    + ") completed, every tenant finished; `run-nightly --date` runs another night");
        }
        if (last.getStatus().isRunning()) {
            throw new NothingToRerunException("run " + runId + " (" + date + ") is still running (attempt "
                    + last.getId() + "); rerun it once it has ended, if a tenant failed");
        }
    }

    public LocalDate runDate(long runId) {
        return latestAttempt(runId).getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
    }

    private JobExecution latestAttempt(long runId) {
        return queries.latestAttempt(runId);
    }

    public static class UnknownRunException extends RuntimeException {
        UnknownRunException(long runId) {
            super("no nightly run with id " + runId + "; `runs` (or GET /api/v1/admin/runs) lists them");
        }
    }

    /** A rerun that has nothing to do: the run completed, or is still running. */
    public static class NothingToRerunException extends RuntimeException {
        NothingToRerunException(String message) {
            super(message);
        }
    }
}
