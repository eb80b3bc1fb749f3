package io.nightbake.batch;

import javax.sql.DataSource;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Questions about a run that the job asks once per phase or night, as one query each: through Spring Batch's
 * {@code JobRepository} ({@code getJobExecutions}, {@code getJobExecution}) each would load every step execution of
 * the run and its context, thousands of queries for a large fleet.
 */
@Component
public class BatchQueries {

    private final JdbcTemplate jdbc;

    public BatchQueries(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** Whether the run (job instance) had attempts before {@code current}. */
    public boolean earlierAttempts(JobExecution current) {
        Long others = jdbc.queryForObject("SELECT COUNT(*) FROM BATCH_JOB_EXECUTION WHERE JOB_INSTANCE_ID = ? "
                + "AND JOB_EXECUTION_ID <> ?", Long.class, current.getJobInstance().getInstanceId(), current.getId());
        return others != null && others > 0;
    }

    /** Whether any step execution of {@code execution} (a tenant's partition or a phase) ended FAILED, ABANDONED or UNKNOWN. */
    public boolean anyUnsuccessfulStep(long jobExecutionId) {
        Long failed = jdbc.queryForObject("SELECT COUNT(*) FROM BATCH_STEP_EXECUTION WHERE JOB_EXECUTION_ID = ? "
                + "AND STATUS IN ('FAILED', 'ABANDONED', 'UNKNOWN')", Long.class, jobExecutionId);
        return failed != null && failed > 0;
    }
}
