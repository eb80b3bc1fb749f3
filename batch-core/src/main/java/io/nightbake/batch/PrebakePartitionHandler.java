package io.nightbake.batch;

import io.nightbake.NightbakeProperties;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.control.ControlService;
import io.nightbake.experiment.ArmTable;
import io.nightbake.scoring.RecommendationsFile;
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
    /** The experiment's arm table the lists were baked with ({@link ArmTable#format()}); absent without experiment. */
    static final String ARMS = "arms";

    private static final Logger log = LoggerFactory.getLogger(PrebakePartitionHandler.class);

    private final JobRepository jobRepository;
    private final ModelRegistry models;
    private final TemplatePipeline template;
    private final NightbakeProperties properties;
    private final SparkProvider spark;
    private final ControlService control;

    PrebakePartitionHandler(JobRepository jobRepository, ModelRegistry models, TemplatePipeline template,
                            NightbakeProperties properties, SparkProvider spark, ControlService control) {
        this.control = control;
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
        Map<String, List<Integer>> taskIndexes = new LinkedHashMap<>(); // a tenant's tasks: one, or one per arm
        Map<String, ScoringTask> mainTasks = new LinkedHashMap<>();
        List<ScoringTask> tasks = new ArrayList<>();
        for (StepExecution partition : partitions) {
            partition.getExecutionContext().remove(NightlyJobConfig.ERROR);
            partition.getExecutionContext().remove(ARMS);
            partition.setStartTime(LocalDateTime.now());
            partition.setStatus(BatchStatus.STARTED);
            jobRepository.update(partition);
            TenantId tenant = TenantId.of(partition.getExecutionContext().getString(NightlyJobConfig.TENANT));
            Optional<ModelVersion> champion = models.champion(tenant);
            if (champion.isEmpty()) {
                PartitionResults.finish(jobRepository, partition, BatchStatus.COMPLETED, new ExitStatus("NOOP", "no champion yet: nothing to prebake"));
                continue;
            }
            Path tenantDir = properties.tenantsDir().resolve(tenant.value());
            Path staged = properties.stagingDir().resolve(runDate.toString()).resolve(tenant.value())
                    .resolve(partition.getId() + ".parquet");
            ScoringTask task = new ScoringTask(tenant.value(), tenantDir.toString(), champion.get().artifactPath(),
                    champion.get().version(), runDate, template.rulesFor(tenant.value()), template.features(),
                    template.topK(), staged.toString(), estimatedPairs(tenantDir));
            List<Integer> indexes = new ArrayList<>();
            Optional<ArmTable> arms;
            try {
                // an experiment's arms: each arm's customers scored with its model, merged into one file afterwards
                arms = control.armsFor(tenant, runDate).filter(t -> t.arms().get(0).modelVersion() == champion.get().version());
                List<ScoringTask> armTasks = new ArrayList<>();
                if (arms.isPresent()) {
                    for (int a = 0; a < arms.get().arms().size(); a++) {
                        ArmTable.Arm arm = arms.get().arms().get(a);
                        armTasks.add(task.forArm(arms.get(), arm, control.armModelDir(tenant, arm, runDate).toString(),
                                staged.resolveSibling(partition.getId() + ".arm" + a + ".parquet").toString()));
                    }
                }
                for (ScoringTask armTask : armTasks) {
                    indexes.add(tasks.size());
                    tasks.add(armTask);
                }
            } catch (RuntimeException e) {
                String error = "tenant '" + tenant + "': cannot prepare the experiment's arms: " + PartitionResults.describe(e);
                partition.getExecutionContext().putString(NightlyJobConfig.ERROR, error);
                PartitionResults.finish(jobRepository, partition, BatchStatus.FAILED, ExitStatus.FAILED.addExitDescription(error));
                continue;
            }
            if (arms.isPresent()) {
                partition.getExecutionContext().putString(ARMS, arms.get().format());
            } else {
                indexes.add(tasks.size());
                tasks.add(task);
            }
            partition.getExecutionContext().putInt(MODEL_VERSION, champion.get().version());
            byTenant.put(tenant.value(), partition);
            taskIndexes.put(tenant.value(), indexes);
            mainTasks.put(tenant.value(), task);
        }

        if (manager.getJobExecution().isStopping() || manager.isTerminateOnly()) {
            // the node is shutting down gracefully: no Spark job starts; the restart prebakes these tenants
            for (StepExecution partition : byTenant.values()) {
                PartitionResults.finish(jobRepository, partition, BatchStatus.STOPPED, new ExitStatus("STOPPED", "stopped before prebaking: the node shut down"));
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
        for (Map.Entry<String, List<Integer>> entry : taskIndexes.entrySet()) {
            StepExecution partition = byTenant.get(entry.getKey());
            ScoringTask task = mainTasks.get(entry.getKey());
            ScoringResult result = combine(task, entry.getValue().stream().map(i -> tasks.get(i)).toList(),
                    entry.getValue().stream().map(results::get).toList());
            ExecutionContext context = partition.getExecutionContext();
            context.putLong(PartitionResults.MILLIS, result.millis());
            try (var ignored = MDC.putCloseable(PartitionLogContext.TENANT, result.tenant());
                 var ignored2 = MDC.putCloseable(PartitionLogContext.RUN, "run " + manager.getJobExecutionId())) {
                if (result.succeeded()) {
                    context.putString(STAGED_FILE, task.outputFile());
                    context.putInt(CUSTOMERS, result.customers());
                    context.putInt(EMPTY_LISTS, result.emptyLists());
                    context.putLong(PartitionResults.ROWS, result.rowsWritten());
                    context.putLong(PAIRS_SCORED, result.pairsScored());
                    partition.setReadCount(result.customers());
                    partition.setWriteCount(result.rowsWritten());
                    log.info("prebaked {} customers, {} rows with model version {}{} in {} ms", result.customers(),
                            result.rowsWritten(), task.modelVersion(), context.containsKey(ARMS)
                                    ? " and the experiment arms " + context.getString(ARMS) : "", result.millis());
                    PartitionResults.finish(jobRepository, partition, BatchStatus.COMPLETED, ExitStatus.COMPLETED);
                } else {
                    context.putString(NightlyJobConfig.ERROR, result.error());
                    log.warn("prebake failed: {}", result.error());
                    PartitionResults.finish(jobRepository, partition, BatchStatus.FAILED, ExitStatus.FAILED.addExitDescription(result.error()));
                }
            }
        }
        return partitions;
    }

    /**
     * One tenant's result from its tasks: the single task's, or for an experiment the arms' files merged into the
     * tenant's staged file (the arm files are removed); a failed arm fails the tenant, which keeps its published lists.
     */
    private static ScoringResult combine(ScoringTask main, List<ScoringTask> tasks, List<ScoringResult> results) {
        if (tasks.size() == 1 && tasks.get(0) == main) {
            return results.get(0);
        }
        long millis = results.stream().mapToLong(ScoringResult::millis).sum();
        ScoringResult.Phases phases = results.stream().map(ScoringResult::phases).reduce(ScoringResult.Phases.NONE,
                ScoringResult.Phases::plus);
        for (int i = 0; i < results.size(); i++) {
            if (!results.get(i).succeeded()) {
                deleteQuietly(tasks);
                return ScoringResult.failed(main.tenantId(), "arm " + tasks.get(i).arm() + ": " + results.get(i).error(),
                        millis, phases);
            }
        }
        try {
            long rows = RecommendationsFile.mergeArms(tasks.stream().map(t -> Path.of(t.outputFile())).toList(),
                    Path.of(main.outputFile()), main.tenantId(), main.modelVersion(), main.runDate());
            return new ScoringResult(main.tenantId(), true, results.stream().mapToInt(ScoringResult::customers).sum(),
                    results.stream().mapToInt(ScoringResult::listsWritten).sum(), rows,
                    results.stream().mapToLong(ScoringResult::pairsScored).sum(), millis, null, phases);
        } catch (RuntimeException e) {
            return ScoringResult.failed(main.tenantId(), "tenant '" + main.tenantId() + "': cannot merge the arms' lists: "
                    + PartitionResults.describe(e), millis, phases);
        } finally {
            deleteQuietly(tasks);
        }
    }

    private static void deleteQuietly(List<ScoringTask> tasks) {
        for (ScoringTask t : tasks) {
            try {
                Files.deleteIfExists(Path.of(t.outputFile()));
            } catch (IOException ignored) {
                // a staged arm file left behind is removed with the staging folder
            }
        }
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
