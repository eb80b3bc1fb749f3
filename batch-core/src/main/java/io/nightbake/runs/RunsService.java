package io.nightbake.runs;

import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.batch.RunReport;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Service;

/** Operators' view of nightly runs: list them, look at one per tenant, rerun the failed tenants of one. */
@Service
public class RunsService {

    private final JobRepository jobRepository;
    private final RunReport report;
    private final NightlyLauncher launcher;
    private final RunRecovery recovery;

    public RunsService(JobRepository jobRepository, RunReport report, NightlyLauncher launcher, RunRecovery recovery) {
        this.jobRepository = jobRepository;
        this.report = report;
        this.launcher = launcher;
        this.recovery = recovery;
    }

    /** One attempt of a nightly run; {@code runId} is its job execution id. */
    public record RunSummary(long runId, LocalDate runDate, String status, String exitCode, LocalDateTime startTime,
                             LocalDateTime endTime, long failedPartitions) {
    }

    /** The latest attempts first. */
    public List<RunSummary> list(int limit) {
        List<RunSummary> runs = new ArrayList<>();
        for (JobInstance instance : jobRepository.getJobInstances(NightlyJobConfig.JOB_NAME, 0, limit)) {
            for (JobExecution execution : jobRepository.getJobExecutions(instance)) {
                JobExecution full = jobRepository.getJobExecution(execution.getId());
                long failed = full.getStepExecutions().stream()
                        .filter(s -> s.getStepName().contains(":") && s.getStatus().isUnsuccessful()).count();
                runs.add(new RunSummary(full.getId(), full.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE),
                        full.getStatus().name(), full.getExitStatus().getExitCode(), full.getStartTime(), full.getEndTime(),
                        failed));
            }
        }
        runs.sort((a, b) -> Long.compare(b.runId(), a.runId()));
        return runs.size() > limit ? runs.subList(0, limit) : runs;
    }

    /** The run the execution belongs to, per tenant (the latest attempt for each). */
    public RunReport.Run show(long runId) {
        return report.of(execution(runId));
    }

    /**
     * Reruns the run that execution {@code runId} belongs to: marks a dead attempt failed first, then restarts the run
     * so that only the tenants that failed or never finished run again. Returns when the rerun has ended.
     */
    public RunReport.Run rerun(long runId) throws Exception {
        LocalDate runDate = runDate(runId);
        recovery.recoverDeadRuns();
        return report.of(launcher.run(runDate));
    }

    public LocalDate runDate(long runId) {
        return execution(runId).getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
    }

    private JobExecution execution(long runId) {
        JobExecution execution = jobRepository.getJobExecution(runId);
        if (execution == null || !NightlyJobConfig.JOB_NAME.equals(execution.getJobInstance().getJobName())) {
            throw new UnknownRunException(runId);
        }
        return execution;
    }

    public static class UnknownRunException extends RuntimeException {
        UnknownRunException(long runId) {
            super("no nightly run with id " + runId + "; `runs` lists them");
        }
    }
}
