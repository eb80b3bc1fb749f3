package io.nightbake.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;

/**
 * A Spark listener (registered with {@code spark.extraListeners}) that lets a test act in the middle of the retrain
 * Spark job: {@link #onFirstTaskEnd} runs once, with the executor id of the first
 * task that starts after one has ended; it also counts the job's tasks that
 * did not succeed (lost with their executor), which proves that Spark retried them.
 */
public class RetrainTaskWatcher extends SparkListener {

    static volatile Consumer<String> onFirstTaskEnd = executor -> { };
    static final AtomicInteger failedTasks = new AtomicInteger();
    private static final Set<Integer> retrainStages = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger endedTasks = new AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicBoolean fired = new java.util.concurrent.atomic.AtomicBoolean();

    static void reset(Consumer<String> action) {
        onFirstTaskEnd = action;
        failedTasks.set(0);
        endedTasks.set(0);
        fired.set(false);
        retrainStages.clear();
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
        String description = jobStart.properties() == null ? null : jobStart.properties().getProperty("spark.job.description");
        if (description != null && description.startsWith("nightbake retrain")) {
            scala.jdk.javaapi.CollectionConverters.asJava(jobStart.stageIds()).forEach(id -> retrainStages.add((Integer) id));
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (!retrainStages.contains(taskEnd.stageId())) {
            return;
        }
        boolean succeeded = taskEnd.reason() == org.apache.spark.Success$.MODULE$;
        System.out.println("retrain task " + taskEnd.taskInfo().index() + " on executor " + taskEnd.taskInfo().executorId()
                + " ended: " + (succeeded ? "success" : taskEnd.reason()));
        if (!succeeded) {
            failedTasks.incrementAndGet();
        }
        endedTasks.incrementAndGet();
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart taskStart) {
        // the first retrain task that starts after one has ended: results are coming in, and this one is running
        if (retrainStages.contains(taskStart.stageId()) && endedTasks.get() > 0 && fired.compareAndSet(false, true)) {
            onFirstTaskEnd.accept(taskStart.taskInfo().executorId());
        }
    }
}
