package io.nightbake.batch;

import io.nightbake.NightbakeProperties;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.data.DataContract;
import io.nightbake.retrain.pipeline.RetrainOutcome;
import io.nightbake.scoring.RetrainJob;
import io.nightbake.scoring.RetrainTask;
import io.nightbake.scoring.RetrainTaskResult;
import io.nightbake.tenant.TenantId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Runs the retrain step's tenant partitions as ONE Spark job ({@link RetrainJob}) and records every tenant's outcome on
 * its own partition (status, figures, error), as the in-process path does. The registry is read and written here, on
 * the driver only: the tasks get each tenant's champion and next version number and return the versions to register,
 * which are written once per tenant and night whatever Spark retried (a tenant whose version for the night is already
 * registered, by an earlier attempt of the run, is not trained again).
 */
class SparkRetrainPartitionHandler implements PartitionHandler {

    private static final Logger log = LoggerFactory.getLogger(SparkRetrainPartitionHandler.class);

    private final JobRepository jobRepository;
    private final ModelRegistry models;
    private final TemplatePipeline template;
    private final NightbakeProperties properties;
    private final SparkProvider spark;
    private final java.util.function.Predicate<TenantId> testsChallengers;

    SparkRetrainPartitionHandler(JobRepository jobRepository, ModelRegistry models, TemplatePipeline template,
                                 NightbakeProperties properties, SparkProvider spark,
                                 java.util.function.Predicate<TenantId> testsChallengers) {
        this.testsChallengers = testsChallengers;
        this.jobRepository = jobRepository;
        this.models = models;
        this.template = template;
        this.properties = properties;
        this.spark = spark;
    }

    @Override
    public Set<StepExecution> handle(StepExecutionSplitter splitter, StepExecution manager) throws Exception {
        Set<StepExecution> partitions = splitter.split(manager, 1);
        LocalDate runDate = manager.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
        String run = "run " + manager.getJobExecutionId();
        Map<String, StepExecution> byTenant = new LinkedHashMap<>();
        List<RetrainTask> tasks = new ArrayList<>();
        for (StepExecution partition : partitions) {
            partition.getExecutionContext().remove(NightlyJobConfig.ERROR);
            partition.setStartTime(LocalDateTime.now());
            partition.setStatus(BatchStatus.STARTED);
            jobRepository.update(partition);
            TenantId tenant = TenantId.of(partition.getExecutionContext().getString(NightlyJobConfig.TENANT));
            Optional<ModelVersion> done = models.trainedOn(tenant, runDate);
            if (done.isPresent()) { // an earlier attempt of this run registered it: reuse, as the in-process path does
                try (var ignored = MDC.putCloseable(PartitionLogContext.TENANT, tenant.value());
                     var ignored2 = MDC.putCloseable(PartitionLogContext.RUN, run)) {
                    completed(partition, new RetrainOutcome(done.get(), 0, 0, 0, true, null));
                }
                continue;
            }
            Path tenantDir = properties.tenantsDir().resolve(tenant.value());
            ModelVersion champion = models.champion(tenant).orElse(null);
            tasks.add(new RetrainTask(tenant.value(), tenantDir.toString(), runDate, champion,
                    champion == null ? null : models.servedRanking(tenant, champion.version()).orElse(null),
                    models.latestVersion(tenant) + 1, estimatedCost(tenantDir), testsChallengers.test(tenant)));
            byTenant.put(tenant.value(), partition);
        }

        List<RetrainTaskResult> results;
        try {
            results = new RetrainJob(template, properties.modelsDir().toString()).run(spark.session(), tasks, spark.slots());
        } catch (Exception e) { // SparkException is checked (Scala): catch it too, or the step fails with no tenant told
            // the Spark job itself failed (Spark gave up on a task): every tenant in it failed and keeps its champion
            String error = "retrain Spark job failed: " + PartitionResults.describe(e);
            results = tasks.stream().map(t -> new RetrainTaskResult(t.tenantId(), null, List.of(), error, 0, "none")).toList();
        }
        for (RetrainTaskResult result : results) {
            StepExecution partition = byTenant.get(result.tenant());
            try (var ignored = MDC.putCloseable(PartitionLogContext.TENANT, result.tenant());
                 var ignored2 = MDC.putCloseable(PartitionLogContext.RUN, run)) {
                if (!result.succeeded()) {
                    failed(partition, result.error());
                    continue;
                }
                try {
                    completed(partition, register(TenantId.of(result.tenant()), runDate, result));
                } catch (RuntimeException e) {
                    failed(partition, PartitionResults.describe(e));
                }
            }
        }
        return partitions;
    }

    /**
     * Writes the task's registrations in order; each must get the number the task gave it (the reasons refer to
     * those numbers). Tonight's version already being there means another attempt registered it: that one stands.
     */
    private RetrainOutcome register(TenantId tenant, LocalDate runDate, RetrainTaskResult result) {
        Optional<ModelVersion> already = models.trainedOn(tenant, runDate);
        if (already.isPresent()) {
            log.warn("version {} was registered for this night meanwhile; the task's result is dropped", already.get().version());
            return new RetrainOutcome(already.get(), 0, 0, 0, true, null);
        }
        List<ModelVersion> stored = new ArrayList<>();
        for (var registration : result.registrations()) {
            ModelVersion pending = registration.version();
            ModelVersion registered = models.register(pending, "nightly", registration.served());
            if (registered.version() != pending.version()) {
                throw new IllegalStateException("tenant '" + tenant + "': version " + pending.version() + " was registered as "
                        + registered.version() + " (another process registered a version meanwhile)");
            }
            stored.add(registered);
        }
        RetrainOutcome outcome = result.outcome();
        return new RetrainOutcome(stored.isEmpty() ? outcome.version() : stored.get(stored.size() - 1),
                outcome.interactions(), outcome.trainMillis(), outcome.totalMillis(), false,
                outcome.rejectedFirstModel() == null ? null : stored.get(0));
    }

    private void completed(StepExecution partition, RetrainOutcome outcome) {
        ExecutionContext context = partition.getExecutionContext();
        PartitionResults.recordRetrain(context, outcome);
        PartitionResults.recordRanking(context, models.servedRanking(outcome.version().tenant(), outcome.version().version()));
        partition.setReadCount(1); // one tenant data set read
        log.info("retrained: version {} {} ({})", outcome.version().version(), outcome.version().decision(),
                outcome.version().reason());
        PartitionResults.finish(jobRepository, partition, BatchStatus.COMPLETED, ExitStatus.COMPLETED);
    }

    private void failed(StepExecution partition, String error) {
        partition.getExecutionContext().putString(NightlyJobConfig.ERROR, error);
        log.warn("retraining failed: {}", error);
        PartitionResults.finish(jobRepository, partition, BatchStatus.FAILED, ExitStatus.FAILED.addExitDescription(error));
    }


    /** Training costs about its interactions; the file's size is a cheap stand-in for packing. */
    private static long estimatedCost(Path tenantDir) {
        try {
            return Math.max(1, Files.size(tenantDir.resolve(DataContract.INTERACTIONS)));
        } catch (IOException e) {
            return 1; // the task reports the missing file for this tenant
        }
    }
}
