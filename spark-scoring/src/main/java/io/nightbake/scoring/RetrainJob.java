package io.nightbake.scoring;

import io.nightbake.config.TemplatePipeline;
import io.nightbake.retrain.pipeline.PendingRegistrations;
import io.nightbake.retrain.pipeline.RetrainOutcome;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.tenant.TenantId;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The retrain phase as ONE Spark job: tenants are packed into Spark tasks by size (the interactions file's bytes,
 * {@link TenantPacking}), and each task runs the same per-tenant pipeline as the in-process path
 * ({@link TenantRetrainer}: read, validate, split, train, evaluate, gate, write the model files) one tenant after the
 * other. The registrations come back with the results and the driver writes them: executors need no database, and a
 * task that Spark retries (a lost executor) only writes its model files again, under a new folder, and never
 * registers anything. A tenant's failure is a failed {@link RetrainTaskResult}, not a failed task.
 */
public final class RetrainJob implements Serializable {

    private static final long serialVersionUID = 1L;
    /** More tasks than slots, so that Spark balances the rough size estimates and a lost task is a small redo. */
    static final int TASKS_PER_SLOT = 4;

    private final TemplatePipeline template;
    private final String modelsDir;

    public RetrainJob(TemplatePipeline template, String modelsDir) {
        this.template = Objects.requireNonNull(template, "template");
        this.modelsDir = Objects.requireNonNull(modelsDir, "modelsDir");
    }

    /** Retrains every task's tenant; one result per task, in the order of {@code tasks}. */
    public List<RetrainTaskResult> run(SparkSession spark, List<RetrainTask> tasks, int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        if (tasks.isEmpty()) {
            return List.of();
        }
        List<String> ids = new ArrayList<>(tasks.size());
        long[] weights = new long[tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            ids.add(tasks.get(i).tenantId());
            weights[i] = tasks.get(i).estimatedCost();
        }
        List<TenantPacking.Bin> bins = TenantPacking.pack(ids, weights, slots * TASKS_PER_SLOT);
        List<byte[]> payloads = new ArrayList<>(bins.size());
        for (TenantPacking.Bin bin : bins) {
            ArrayList<Positioned<RetrainTask>> members = new ArrayList<>(bin.taskPositions().size());
            for (int position : bin.taskPositions()) {
                members.add(new Positioned<>(position, tasks.get(position)));
            }
            payloads.add(JavaBytes.write(members));
        }

        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String previousDescription = context.getLocalProperty("spark.job.description");
        context.setJobDescription("nightbake retrain: " + tasks.size() + " tenants in " + bins.size() + " tasks");
        List<byte[]> collected;
        try {
            TemplatePipeline pipeline = template; // the closure captures these, not this job
            String models = modelsDir;
            JavaRDD<byte[]> rdd = context.parallelize(payloads, payloads.size()); // one bin per partition
            collected = rdd.mapPartitions((Iterator<byte[]> partition) -> retrainBins(partition, pipeline, models)).collect();
        } finally {
            context.setJobDescription(previousDescription);
        }

        RetrainTaskResult[] results = new RetrainTaskResult[tasks.size()];
        for (byte[] bytes : collected) {
            ArrayList<Positioned<RetrainTaskResult>> binResults = JavaBytes.read(bytes);
            for (Positioned<RetrainTaskResult> result : binResults) {
                results[result.position()] = result.value();
            }
        }
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) { // cannot happen unless a partition was lost without failing the job
                results[i] = RetrainTaskResult.failed(tasks.get(i).tenantId(), "tenant '" + tasks.get(i).tenantId()
                        + "': no result came back from Spark", 0, "unknown");
            }
        }
        return Arrays.asList(results);
    }

    /** Runs in the executor. */
    private static Iterator<byte[]> retrainBins(Iterator<byte[]> partition, TemplatePipeline template, String modelsDir) {
        String executor = executorName();
        List<byte[]> out = new ArrayList<>(1);
        while (partition.hasNext()) {
            ArrayList<Positioned<RetrainTask>> bin = JavaBytes.read(partition.next());
            ArrayList<Positioned<RetrainTaskResult>> results = new ArrayList<>(bin.size());
            for (Positioned<RetrainTask> member : bin) {
                results.add(new Positioned<>(member.position(), retrain(member.value(), template, modelsDir, executor)));
            }
            out.add(JavaBytes.write(results));
        }
        return out.iterator();
    }

    static RetrainTaskResult retrain(RetrainTask task, TemplatePipeline template, String modelsDir, String executor) {
        long start = System.nanoTime();
        try {
            TenantId tenant = TenantId.of(task.tenantId());
            PendingRegistrations registry = new PendingRegistrations(tenant, task.champion(), task.championServed(), task.nextVersion());
            RetrainOutcome outcome = new TenantRetrainer(template, registry, Path.of(modelsDir), Clock.systemUTC())
                    .withExperiments(t -> task.testsChallengers())
                    .retrain(tenant, Path.of(task.tenantDataDir()), task.runDate());
            return new RetrainTaskResult(task.tenantId(), outcome, registry.registrations(), null,
                    (System.nanoTime() - start) / 1_000_000, executor);
        } catch (RuntimeException | LinkageError e) {
            // a linkage error (a class missing on this executor) fails this tenant with the reason, not the whole job
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (e instanceof LinkageError) {
                message = e + " on executor " + executor;
            }
            return RetrainTaskResult.failed(task.tenantId(), message.length() > 2000 ? message.substring(0, 2000) + "..." : message,
                    (System.nanoTime() - start) / 1_000_000, executor);
        }
    }

    private static String executorName() {
        SparkEnv env = SparkEnv.get();
        String id = env == null ? "?" : env.executorId();
        try {
            return java.net.InetAddress.getLocalHost().getHostName() + "/executor " + id;
        } catch (java.io.IOException e) {
            return "executor " + id;
        }
    }

    private record Positioned<T>(int position, T value) implements Serializable {
        private static final long serialVersionUID = 1L;
    }
}
