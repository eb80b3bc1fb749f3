package io.nightbake.batch;

import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.tenant.TenantId;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Decides which tenants an attempt of the run takes through a phase. Every phase reruns the partitions that did not
 * complete ({@link #incompleteOnly}); the phases after retraining also rerun a completed partition whose tenant's
 * champion changed since (the tenant was retrained by the restart), so that rerunning a failed tenant takes it through
 * every later phase; {@link #always} reruns every partition on every attempt (publishing, which is idempotent).
 *
 * <p>The phases' manager steps never fail (see {@link TenantFailuresAggregator}) and always start, so that a failed
 * tenant never stops the flow: Spring Batch marks a failed step ABANDONED, never to be restarted, when the flow goes
 * on past it. Which tenants run again is decided here instead.
 */
final class RerunAwareSplitter implements StepExecutionSplitter {

    private final JobRepository jobRepository;
    private final String stepName;
    private final Partitioner partitioner;
    private final ModelRegistry models;
    private final boolean always;
    private BatchQueries attempts;

    private RerunAwareSplitter(JobRepository jobRepository, String stepName, Partitioner partitioner, ModelRegistry models,
                               boolean always) {
        this.jobRepository = jobRepository;
        this.stepName = stepName;
        this.partitioner = partitioner;
        this.models = models;
        this.always = always;
    }

    /** Reruns the partitions that did not complete. */
    static RerunAwareSplitter incompleteOnly(JobRepository jobRepository, String stepName, Partitioner partitioner) {
        return new RerunAwareSplitter(jobRepository, stepName, partitioner, null, false);
    }

    /** Reruns incomplete partitions and those whose tenant's champion is not the one they worked with. */
    static RerunAwareSplitter whenChampionChanged(JobRepository jobRepository, String stepName, Partitioner partitioner,
                                                  ModelRegistry models) {
        return new RerunAwareSplitter(jobRepository, stepName, partitioner, models, false);
    }

    /** Runs every partition on every attempt. */
    static RerunAwareSplitter always(JobRepository jobRepository, String stepName, Partitioner partitioner) {
        return new RerunAwareSplitter(jobRepository, stepName, partitioner, null, true);
    }

    /** Lets the splitter skip the per-tenant lookups of earlier partitions on a run's first attempt. */
    RerunAwareSplitter skippingLookupsOnFirstAttempt(BatchQueries attempts) {
        this.attempts = attempts;
        return this;
    }

    @Override
    public String getStepName() {
        return stepName;
    }

    @Override
    public Set<StepExecution> split(StepExecution manager, int gridSize) throws JobExecutionException {
        JobExecution job = manager.getJobExecution();
        // on a run's first attempt no partition has run before: no lookup per tenant (thousands of queries a phase)
        boolean firstAttempt = attempts != null && !attempts.earlierAttempts(job);
        Set<StepExecution> partitions = new LinkedHashSet<>();
        for (Map.Entry<String, ExecutionContext> partition : partitioner.partition(gridSize).entrySet()) {
            String name = stepName + ":" + partition.getKey();
            StepExecution last = firstAttempt ? null : jobRepository.getLastStepExecution(job.getJobInstance(), name);
            if (last != null && (last.getStatus().isRunning() || last.getStatus() == BatchStatus.UNKNOWN)) {
                throw new JobExecutionException("partition " + name + " is still " + last.getStatus()
                        + " from an earlier attempt; if that process died, mark its executions failed first");
            }
            if (last == null || last.getStatus() != BatchStatus.COMPLETED || rerunCompleted(last, partition.getValue())) {
                StepExecution execution = jobRepository.createStepExecution(name, job);
                execution.setExecutionContext(partition.getValue());
                jobRepository.updateExecutionContext(execution);
                partitions.add(execution);
            }
        }
        return partitions;
    }

    private boolean rerunCompleted(StepExecution last, ExecutionContext partition) {
        if (always || models == null) {
            return always;
        }
        ExecutionContext previous = last.getExecutionContext();
        Integer usedVersion = previous.containsKey(PrebakePartitionHandler.MODEL_VERSION)
                ? previous.getInt(PrebakePartitionHandler.MODEL_VERSION) : null;
        Integer champion = models.champion(TenantId.of(partition.getString(NightlyJobConfig.TENANT)))
                .map(ModelVersion::version).orElse(null);
        return !Objects.equals(usedVersion, champion);
    }
}
