package io.nightbake.scoring;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The Spark side of prebaking: one Spark job per {@link #run} call, whatever the number of tenants. Tenants are
 * packed into at most {@code slots} bins by estimated size ({@link TenantPacking}), each bin is one partition
 * (one task), and each task scores its tenants one after the other with a {@link TenantScorer} that shares the
 * executor's {@link OrtSessionCache}. A tenant's failure is a failed {@link ScoringResult}, not a failed task.
 *
 * <p>Tasks and results travel as Java-serialized bytes ({@link JavaBytes}), so the job works with any
 * {@code spark.serializer}. Paths in the tasks must be readable and writable from every executor.
 */
public final class PrebakeJob implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ScoringOptions options;

    public PrebakeJob() {
        this(ScoringOptions.DEFAULTS);
    }

    public PrebakeJob(ScoringOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Scores every task and returns one result per task, in the order of {@code tasks}.
     *
     * @param slots the most Spark tasks to use; usually the cluster's total cores (each task runs one tenant at a
     *              time with {@link ScoringOptions#intraOpThreads()} ONNX Runtime threads)
     */
    public List<ScoringResult> run(SparkSession spark, List<ScoringTask> tasks, int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        if (tasks.isEmpty()) {
            return List.of();
        }
        List<TenantPacking.Bin> bins = TenantPacking.pack(tasks, slots);
        List<byte[]> payloads = new ArrayList<>(bins.size());
        for (TenantPacking.Bin bin : bins) {
            ArrayList<PositionedTask> members = new ArrayList<>(bin.taskPositions().size());
            for (int position : bin.taskPositions()) {
                members.add(new PositionedTask(position, tasks.get(position)));
            }
            payloads.add(JavaBytes.write(members));
        }

        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String previousDescription = context.getLocalProperty("spark.job.description");
        context.setJobDescription("nightbake prebake: " + tasks.size() + " tenants in " + bins.size() + " tasks");
        List<byte[]> collected;
        try {
            ScoringOptions scoringOptions = options; // the closure captures the options, not this job
            JavaRDD<byte[]> rdd = context.parallelize(payloads, payloads.size()); // one bin per partition
            collected = rdd.mapPartitions((Iterator<byte[]> partition) -> scoreBins(partition, scoringOptions))
                    .collect();
        } finally {
            context.setJobDescription(previousDescription);
        }

        ScoringResult[] results = new ScoringResult[tasks.size()];
        for (byte[] bytes : collected) {
            ArrayList<PositionedResult> binResults = JavaBytes.read(bytes);
            for (PositionedResult result : binResults) {
                results[result.position()] = result.result();
            }
        }
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) { // cannot happen unless a partition was lost without failing the job
                results[i] = ScoringResult.failed(tasks.get(i).tenantId(), "tenant '" + tasks.get(i).tenantId()
                        + "': no result came back from Spark", 0, ScoringResult.Phases.NONE);
            }
        }
        return Arrays.asList(results);
    }

    /** Runs in the executor: scores each tenant of the partition's bins. */
    private static Iterator<byte[]> scoreBins(Iterator<byte[]> partition, ScoringOptions options) {
        TenantScorer scorer = new TenantScorer(options, OrtSessionCache.shared());
        List<byte[]> out = new ArrayList<>(1);
        while (partition.hasNext()) {
            ArrayList<PositionedTask> bin = JavaBytes.read(partition.next());
            ArrayList<PositionedResult> results = new ArrayList<>(bin.size());
            for (PositionedTask member : bin) {
                results.add(new PositionedResult(member.position(), scorer.score(member.task())));
            }
            out.add(JavaBytes.write(results));
        }
        return out.iterator();
    }

    private record PositionedTask(int position, ScoringTask task) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private record PositionedResult(int position, ScoringResult result) implements Serializable {
        private static final long serialVersionUID = 1L;
    }
}
