package io.nightbake.batch;

import io.nightbake.NightbakeProperties;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.data.DataContract;
import io.nightbake.scoring.PrebakeJob;
import io.nightbake.scoring.ScoringResult;
import io.nightbake.scoring.ScoringTask;
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
 * Runs the prebake step's tenant partitions as ONE Spark job: each partition (tenant) becomes a scoring task, tasks
 * are packed into Spark tasks by size, and every tenant's result is written back to its own partition's step
 * execution (status, counts, error). A tenant without a champion has nothing to prebake and completes as a no-op.
 */
class PrebakePartitionHandler implements PartitionHandler {

    static final String MODEL_VERSION = "modelVersion";
    static final String STAGED_FILE = "stagedFile";
    static final String CUSTOMERS = "customers";
    static final String EMPTY_LISTS = "emptyLists";
    static final String PAIRS_SCORED = "pairsScored";

    private static final Logger log = LoggerFactory.getLogger(PrebakePartitionHandler.class);

    private final JobRepository jobRepository;
    private final ModelRegistry models;
    private final TemplatePipeline template;
    private final NightbakeProperties properties;
    private final SparkProvider spark;

    PrebakePartitionHandler(JobRepository jobRepository, ModelRegistry models, TemplatePipeline template,
                            NightbakeProperties properties, SparkProvider spark) {
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
        Map<String, StepExecution> byTenant = new LinkedHashMap<>();
        List<ScoringTask> tasks = new ArrayList<>();
        for (StepExecution partition : partitions) {
            partition.getExecutionContext().remove(NightlyJobConfig.ERROR);
            partition.setStartTime(LocalDateTime.now());
            partition.setStatus(BatchStatus.STARTED);
            jobRepository.update(partition);
            TenantId tenant = TenantId.of(partition.getExecutionContext().getString(NightlyJobConfig.TENANT));
            Optional<ModelVersion> champion = models.champion(tenant);
            if (champion.isEmpty()) {
                finish(partition, BatchStatus.COMPLETED, new ExitStatus("NOOP", "no champion yet: nothing to prebake"));
                continue;
            }
            Path tenantDir = properties.tenantsDir().resolve(tenant.value());
            Path staged = properties.stagingDir().resolve(runDate.toString()).resolve(tenant.value())
                    .resolve(partition.getId() + ".parquet");
            tasks.add(new ScoringTask(tenant.value(), tenantDir.toString(), champion.get().artifactPath(),
                    champion.get().version(), runDate, template.rulesFor(tenant.value()), template.features(),
                    template.topK(), staged.toString(), estimatedPairs(tenantDir)));
            partition.getExecutionContext().putInt(MODEL_VERSION, champion.get().version());
            byTenant.put(tenant.value(), partition);
        }

        if (manager.getJobExecution().isStopping() || manager.isTerminateOnly()) {
            // the node is shutting down gracefully: no Spark job starts; the restart prebakes these tenants
            for (StepExecution partition : byTenant.values()) {
                finish(partition, BatchStatus.STOPPED, new ExitStatus("STOPPED", "stopped before prebaking: the node shut down"));
            }
            return partitions;
        }
        List<ScoringResult> results;
        try {
            // nothing to score (no tenant has a model yet): no Spark session needs to start
            results = tasks.isEmpty() ? List.of() : new PrebakeJob().run(spark.session(), tasks, spark.slots());
        } catch (RuntimeException e) {
            // the Spark job itself failed: every tenant in it failed, and keeps its published lists
            String error = "prebake Spark job failed: " + PartitionResults.describe(e);
            results = tasks.stream().map(t -> ScoringResult.failed(t.tenantId(), error, 0, ScoringResult.Phases.NONE)).toList();
        }
        for (int i = 0; i < results.size(); i++) {
            ScoringResult result = results.get(i);
            StepExecution partition = byTenant.get(result.tenant());
            ExecutionContext context = partition.getExecutionContext();
            context.putLong(PartitionResults.MILLIS, result.millis());
            try (var ignored = MDC.putCloseable(PartitionLogContext.TENANT, result.tenant());
                 var ignored2 = MDC.putCloseable(PartitionLogContext.RUN, "run " + manager.getJobExecutionId())) {
                if (result.succeeded()) {
                    context.putString(STAGED_FILE, tasks.get(i).outputFile());
                    context.putInt(CUSTOMERS, result.customers());
                    context.putInt(EMPTY_LISTS, result.emptyLists());
                    context.putLong(PartitionResults.ROWS, result.rowsWritten());
                    context.putLong(PAIRS_SCORED, result.pairsScored());
                    partition.setReadCount(result.customers());
                    partition.setWriteCount(result.rowsWritten());
                    log.info("prebaked {} customers, {} rows with model version {} in {} ms", result.customers(),
                            result.rowsWritten(), tasks.get(i).modelVersion(), result.millis());
                    finish(partition, BatchStatus.COMPLETED, ExitStatus.COMPLETED);
                } else {
                    context.putString(NightlyJobConfig.ERROR, result.error());
                    log.warn("prebake failed: {}", result.error());
                    finish(partition, BatchStatus.FAILED, ExitStatus.FAILED.addExitDescription(result.error()));
                }
            }
        }
        return partitions;
    }

    private void finish(StepExecution partition, BatchStatus status, ExitStatus exit) {
        partition.setStatus(status);
        partition.setExitStatus(exit);
        partition.setEndTime(LocalDateTime.now());
        jobRepository.update(partition);
        jobRepository.updateExecutionContext(partition);
    }

    /** Customers x products is what scoring costs; the files' sizes are a cheap stand-in for packing. */
    private static long estimatedPairs(Path tenantDir) {
        try {
            return Math.max(1, Files.size(tenantDir.resolve(DataContract.CUSTOMERS)))
                    * Math.max(1, Files.size(tenantDir.resolve(DataContract.PRODUCTS)));
        } catch (IOException e) {
            return 1; // the scorer reports the missing file for this tenant
        }
    }
}
