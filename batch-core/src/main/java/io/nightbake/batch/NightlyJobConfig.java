package io.nightbake.batch;

import io.nightbake.NightbakeProperties;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.control.ControlService;
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
import java.util.List;
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
import org.springframework.beans.factory.annotation.Value;
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
    /** The tenant's state when the attempt planned its partitions (the run report shows it for that night). */
    public static final String STATE = "state";

    private static final Logger log = LoggerFactory.getLogger(NightlyJobConfig.class);

    @Bean
    Job nightlyJob(JobRepository jobRepository, Step checkSpark, Step discoverTenants, Step compactFeedback, Step retrain, Step control, Step prebake, Step publish,
                   RunHeartbeats heartbeats, NightlyMetrics metrics, BatchQueries queries,
                   io.nightbake.runs.Housekeeping housekeeping) {
        JobExecutionDecider anyPartitionFailed = (jobExecution, stepExecution) ->
                queries.anyUnsuccessfulStep(jobExecution.getId()) ? FlowExecutionStatus.FAILED : FlowExecutionStatus.COMPLETED;
        return new JobBuilder(JOB_NAME, jobRepository)
                .listener(heartbeats)
                .listener(metrics)
                .listener(housekeeping)
                .start(checkSpark)
                .next(discoverTenants)
                .next(compactFeedback)
                .next(retrain).on("*").to(control)
                .from(control).on("*").to(prebake)
                .from(prebake).on("*").to(publish)
                .from(publish).on("*").to(anyPartitionFailed)
                .from(anyPartitionFailed).on(FlowExecutionStatus.FAILED.getName()).fail()
                .from(anyPartitionFailed).on("*").end()
                .end()
                .build();
    }

    /** On a Spark cluster: fails the night before any tenant is touched when the executors could not do its work. */
    @Bean
    Step checkSpark(JobRepository jobRepository, PlatformTransactionManager transactionManager, SparkClusterCheck check) {
        return new StepBuilder("checkSpark", jobRepository)
                .tasklet((contribution, chunk) -> {
                    try {
                        check.check();
                    } catch (SparkClusterCheck.ClusterNotReady e) {
                        log.error("the night cannot start: {}", e.getMessage());
                        throw e;
                    }
                    return RepeatStatus.FINISHED;
                }, transactionManager)
                .allowStartIfComplete(true)
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

    /** Moves the feedback events dated up to the run date into the tenants' Parquet, before retraining reads them. */
    @Bean
    Step compactFeedback(JobRepository jobRepository, PlatformTransactionManager transactionManager,
                         io.nightbake.feedback.FeedbackCompaction compaction) {
        return new StepBuilder("compactFeedback", jobRepository)
                .tasklet((contribution, chunk) -> {
                    compaction.compact(chunk.getStepContext().getStepExecution().getJobParameters().getLocalDate(RUN_DATE));
                    return RepeatStatus.FINISHED;
                }, transactionManager)
                .allowStartIfComplete(true)
                .build();
    }

    @Bean
    Step retrain(JobRepository jobRepository, Step retrainTenant, TenantRegistry tenants, ModelRegistry models,
                 TemplatePipeline template, NightbakeProperties properties, SparkProvider spark,
                 BatchQueries attempts, @Value("${nightbake.retrain.executor:auto}") String executor,
                 io.nightbake.retrain.pipeline.TenantRetrainer retrainer) {
        Partitioner partitioner = tenantsIn(tenants, TenantState.ON);
        var builder = new StepBuilder("retrain", jobRepository)
                .partitioner(RETRAIN_WORKER, partitioner)
                .splitter(RerunAwareSplitter.incompleteOnly(jobRepository, RETRAIN_WORKER, partitioner)
                        .skippingLookupsOnFirstAttempt(attempts))
                .aggregator(new TenantFailuresAggregator())
                .allowStartIfComplete(true);
        if (retrainOnSpark(executor, spark)) {
            return builder.partitionHandler(new SparkRetrainPartitionHandler(jobRepository, models, template, properties, spark,
                    retrainer::testsChallengers))
                    .build();
        }
        int threads = properties.retrain().effectiveThreads();
        return builder.step(retrainTenant).taskExecutor(pool("retrain-", threads)).gridSize(threads).build();
    }

    /**
     * {@code nightbake.retrain.executor}: {@code spark} runs the retrain phase as Spark tasks, {@code threads} as
     * partitions on a thread pool in this process, {@code auto} (the default) as Spark tasks on a cluster and on the
     * thread pool in local mode.
     */
    static boolean retrainOnSpark(String executor, SparkProvider spark) {
        return switch (executor.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "spark" -> true;
            case "threads" -> false;
            case "auto", "" -> spark.isCluster();
            default -> throw new IllegalArgumentException("nightbake.retrain.executor must be auto, spark or threads, was '"
                    + executor + "'");
        };
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
                context.putString(STATE, state.name());
                partitions.put(t.id().value(), context);
            });
            return partitions;
        };
    }

    /**
     * Automatic control between retraining and prebaking: experiments decided, started or stopped (see
     * {@link ControlService#night}); idempotent per run date, so it runs again on every attempt.
     */
    @Bean
    Step control(JobRepository jobRepository, PlatformTransactionManager transactionManager, ControlService control) {
        return new StepBuilder("control", jobRepository)
                .tasklet((contribution, chunk) -> {
                    StepExecution step = chunk.getStepContext().getStepExecution();
                    List<String> lines = control.night(step.getJobParameters().getLocalDate(RUN_DATE));
                    // the night's experiment decisions, one line per tenant, for the run's record
                    String text = String.join("\n", lines);
                    step.getExecutionContext().putString(PartitionResults.REASON,
                            text.length() <= 20_000 ? text : text.substring(0, 19_997) + "...");
                    return RepeatStatus.FINISHED;
                }, transactionManager)
                .allowStartIfComplete(true)
                .build();
    }

    @Bean
    Step prebake(JobRepository jobRepository, TenantRegistry tenants, ModelRegistry models, TemplatePipeline template,
                 NightbakeProperties properties, SparkProvider spark, BatchQueries attempts, ControlService control) {
        Partitioner partitioner = gridSize -> {
            Map<String, ExecutionContext> partitions = tenantsIn(tenants, TenantState.ON).partition(gridSize);
            partitions.putAll(tenantsIn(tenants, TenantState.FROZEN).partition(gridSize));
            return partitions;
        };
        return new StepBuilder("prebake", jobRepository)
                .partitioner(PREBAKE_WORKER, partitioner)
                .splitter(RerunAwareSplitter.whenChampionChanged(jobRepository, PREBAKE_WORKER, partitioner, models)
                        .skippingLookupsOnFirstAttempt(attempts))
                .partitionHandler(new PrebakePartitionHandler(jobRepository, models, template, properties, spark, control))
                .aggregator(new TenantFailuresAggregator())
                .allowStartIfComplete(true)
                .build();
    }

    @Bean
    Step publish(JobRepository jobRepository, PlatformTransactionManager transactionManager, TenantRegistry tenants,
                 SnapshotPublisher publisher, BatchQueries attempts, NightbakeProperties properties) {
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
                .splitter(RerunAwareSplitter.always(jobRepository, PUBLISH_WORKER, all).skippingLookupsOnFirstAttempt(attempts))
                .aggregator(new TenantFailuresAggregator())
                .step(worker)
                // tenants are independent; a pool overlaps one tenant's fsync with the next one's registry writes
                .taskExecutor(pool("publish-", properties.publish().effectiveThreads()))
                .gridSize(properties.publish().effectiveThreads())
                .allowStartIfComplete(true)
                .build();
    }

    private static ThreadPoolTaskExecutor pool(String prefix, int threads) {
        ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
        pool.setCorePoolSize(threads);
        pool.setMaxPoolSize(threads);
        pool.setThreadNamePrefix(prefix);
        pool.initialize();
        return pool;
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
