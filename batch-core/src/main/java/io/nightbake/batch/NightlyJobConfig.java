package io.nightbake.batch;

import io.nightbake.NightbakeProperties;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelRegistry;
import io.nightbake.retrain.pipeline.RetrainOutcome;
import io.nightbake.runs.NightlyMetrics;
import io.nightbake.runs.RunHeartbeats;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.FlowExecutionStatus;
import org.springframework.batch.core.job.flow.JobExecutionDecider;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The nightly job: discover tenants; retrain every ON tenant; prebake every ON and FROZEN tenant with its champion
 * (one Spark job for all of them); publish (or, for OFF tenants, unpublish); then end FAILED when any partition
 * failed. Every phase has one partition per tenant. A failed partition never stops the flow: the later phases still
 * run for every other tenant, and a tenant whose retraining failed is still prebaked with its current champion.
 * Restarting the job instance (same run date) reruns the partitions that did not complete and takes a tenant whose
 * champion changed on the way through every later phase.
 */
@Configuration
public class NightlyJobConfig {

    public static final String JOB_NAME = "nightly";
    public static final String RUN_DATE = "runDate";
    public static final String RETRAIN_WORKER = "retrainTenant";
    public static final String PREBAKE_WORKER = "prebakeTenant";
    public static final String PUBLISH_WORKER = "publishTenant";
    /** Keys of the per-tenant results kept in each partition's execution context. */
    public static final String TENANT = "tenant";
    public static final String ERROR = "error";

    private static final Logger log = LoggerFactory.getLogger(NightlyJobConfig.class);

    @Bean
    Job nightlyJob(JobRepository jobRepository, Step discoverTenants, Step retrain, Step prebake, Step publish,
                   RunHeartbeats heartbeats, NightlyMetrics metrics) {
        JobExecutionDecider anyPartitionFailed = (jobExecution, stepExecution) ->
                jobRepository.getJobExecution(jobExecution.getId()).getStepExecutions().stream()
                        .anyMatch(s -> s.getStatus().isUnsuccessful()) ? FlowExecutionStatus.FAILED : FlowExecutionStatus.COMPLETED;
        return new JobBuilder(JOB_NAME, jobRepository)
                .listener(heartbeats)
                .listener(metrics)
                .start(discoverTenants)
                .next(retrain).on("*").to(prebake)
                .from(prebake).on("*").to(publish)
                .from(publish).on("*").to(anyPartitionFailed)
                .from(anyPartitionFailed).on(FlowExecutionStatus.FAILED.getName()).fail()
                .from(anyPartitionFailed).on("*").end()
                .end()
                .build();
    }

    @Bean
    Step discoverTenants(JobRepository jobRepository, PlatformTransactionManager transactionManager, TenantDiscovery discovery) {
        return new StepBuilder("discoverTenants", jobRepository)
                .tasklet((contribution, chunk) -> {
                    discovery.registerNewTenants();
                    return RepeatStatus.FINISHED;
                }, transactionManager)
                .allowStartIfComplete(true)
                .build();
    }

    @Bean
    Step retrain(JobRepository jobRepository, Step retrainTenant, TenantRegistry tenants, NightbakeProperties properties) {
        ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
        int threads = properties.retrain().effectiveThreads();
        pool.setCorePoolSize(threads);
        pool.setMaxPoolSize(threads);
        pool.setThreadNamePrefix("retrain-");
        pool.initialize();
        Partitioner partitioner = tenantsIn(tenants, TenantState.ON);
        return new StepBuilder("retrain", jobRepository)
                .partitioner(RETRAIN_WORKER, partitioner)
                .splitter(RerunAwareSplitter.incompleteOnly(jobRepository, RETRAIN_WORKER, partitioner))
                .aggregator(new TenantFailuresAggregator())
                .step(retrainTenant)
                .taskExecutor(pool)
                .gridSize(threads)
                .allowStartIfComplete(true)
                .build();
    }

    /**
     * One partition per tenant in {@code state}, named after the tenant. The plan is taken again on every attempt,
     * so a tenant switched off since the failure is not rerun; see {@link RerunAwareSplitter} for which partitions run.
     */
    static Partitioner tenantsIn(TenantRegistry tenants, TenantState state) {
        return gridSize -> {
            Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
            tenants.inState(state).forEach(t -> {
                ExecutionContext context = new ExecutionContext();
                context.putString(TENANT, t.id().value());
                partitions.put(t.id().value(), context);
            });
            return partitions;
        };
    }

    @Bean
    Step prebake(JobRepository jobRepository, TenantRegistry tenants, ModelRegistry models, TemplatePipeline template,
                 NightbakeProperties properties, SparkProvider spark) {
        Partitioner partitioner = gridSize -> {
            Map<String, ExecutionContext> partitions = tenantsIn(tenants, TenantState.ON).partition(gridSize);
            partitions.putAll(tenantsIn(tenants, TenantState.FROZEN).partition(gridSize));
            return partitions;
        };
        return new StepBuilder("prebake", jobRepository)
                .partitioner(PREBAKE_WORKER, partitioner)
                .splitter(RerunAwareSplitter.whenChampionChanged(jobRepository, PREBAKE_WORKER, partitioner, models))
                .partitionHandler(new PrebakePartitionHandler(jobRepository, models, template, properties, spark))
                .aggregator(new TenantFailuresAggregator())
                .allowStartIfComplete(true)
                .build();
    }

    @Bean
    Step publish(JobRepository jobRepository, PlatformTransactionManager transactionManager, TenantRegistry tenants,
                 SnapshotPublisher publisher) {
        Partitioner all = gridSize -> {
            Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
            for (TenantState state : TenantState.values()) {
                partitions.putAll(tenantsIn(tenants, state).partition(gridSize));
            }
            return partitions;
        };
        Step worker = new StepBuilder(PUBLISH_WORKER, jobRepository)
                .tasklet((contribution, chunk) -> {
                    StepExecution step = chunk.getStepContext().getStepExecution();
                    TenantId tenant = TenantId.of(step.getExecutionContext().getString(TENANT));
                    try {
                        String outcome = publisher.publish(tenant, step.getJobParameters().getLocalDate(RUN_DATE),
                                step.getJobExecution().getJobInstance());
                        step.getExecutionContext().putString(PartitionResults.REASON, outcome);
                        log.info("{}", outcome);
                    } catch (RuntimeException e) {
                        step.getExecutionContext().putString(ERROR, PartitionResults.describe(e));
                        throw e;
                    }
                    return RepeatStatus.FINISHED;
                }, transactionManager)
                .listener(new PartitionLogContext())
                .build();
        return new StepBuilder("publish", jobRepository)
                .partitioner(PUBLISH_WORKER, all)
                .splitter(RerunAwareSplitter.always(jobRepository, PUBLISH_WORKER, all))
                .aggregator(new TenantFailuresAggregator())
                .step(worker)
                .allowStartIfComplete(true)
                .build();
    }

    @Bean
    Step retrainTenant(JobRepository jobRepository, PlatformTransactionManager transactionManager, TenantRetrainer retrainer,
                       NightbakeProperties properties) {
        return new StepBuilder(RETRAIN_WORKER, jobRepository)
                .tasklet((contribution, chunk) -> {
                    StepExecution step = chunk.getStepContext().getStepExecution();
                    ExecutionContext results = step.getExecutionContext();
                    TenantId tenant = TenantId.of(results.getString(TENANT));
                    LocalDate runDate = step.getJobParameters().getLocalDate(RUN_DATE);
                    try {
                        results.remove(ERROR);
                        RetrainOutcome outcome = retrainer.retrain(tenant, properties.tenantsDir().resolve(tenant.value()), runDate);
                        PartitionResults.recordRetrain(results, outcome);
                        PartitionResults.recordRanking(results, retrainer.servedRanking(outcome.version()));
                        contribution.incrementReadCount(); // one tenant data set read
                        log.info("retrained: version {} {} ({})", outcome.version().version(), outcome.version().decision(),
                                outcome.version().reason());
                        return RepeatStatus.FINISHED;
                    } catch (RuntimeException e) {
                        results.putString(ERROR, PartitionResults.describe(e));
                        log.warn("retraining failed: {}", PartitionResults.describe(e));
                        throw e;
                    }
                }, transactionManager)
                .listener(new PartitionLogContext())
                .build();
    }
}
