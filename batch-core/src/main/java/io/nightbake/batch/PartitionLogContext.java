package io.nightbake.batch;

import org.slf4j.MDC;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * Puts the run id and the tenant id in the logging context for the whole of a tenant partition, so that every line
 * logged by its work, Spring Batch's own included, says which run and which tenant it is about.
 */
final class PartitionLogContext implements StepExecutionListener {

    static final String RUN = "run";
    static final String TENANT = "tenant";

    @Override
    public void beforeStep(StepExecution step) {
        MDC.put(RUN, "run " + step.getJobExecutionId());
        MDC.put(TENANT, step.getExecutionContext().getString(NightlyJobConfig.TENANT, ""));
    }

    @Override
    public ExitStatus afterStep(StepExecution step) {
        MDC.remove(RUN);
        MDC.remove(TENANT);
        return null;
    }
}
