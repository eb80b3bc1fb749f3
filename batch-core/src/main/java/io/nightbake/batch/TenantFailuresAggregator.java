package io.nightbake.batch;

import java.util.Collection;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.partition.StepExecutionAggregator;
import org.springframework.batch.core.partition.support.DefaultStepExecutionAggregator;
import org.springframework.batch.core.step.StepExecution;

/**
 * Sums a phase's partitions into its manager step but keeps the manager COMPLETED when some tenants failed, so the
 * flow goes on to the next phase for every other tenant. The failures stay on the tenants' own partitions; the job's
 * last decision ends the run FAILED when there are any.
 */
final class TenantFailuresAggregator implements StepExecutionAggregator {

    private final StepExecutionAggregator sums = new DefaultStepExecutionAggregator();

    @Override
    public void aggregate(StepExecution manager, Collection<StepExecution> partitions) {
        sums.aggregate(manager, partitions);
        long failed = partitions.stream().filter(p -> p.getStatus().isUnsuccessful()).count();
        manager.setStatus(BatchStatus.COMPLETED);
        manager.setExitStatus(failed == 0 ? ExitStatus.COMPLETED : new ExitStatus("COMPLETED_WITH_FAILURES",
                failed + " of " + partitions.size() + " tenants failed; rerunning the run date reruns them"));
    }
}
