package io.nightbake.scoring;

import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.pipeline.RetrainOutcome;
import java.io.Serializable;
import java.util.List;

/**
 * What a Spark task's retraining of one tenant returns to the driver: the outcome and the versions to register, in
 * order, with the numbers they must get (the driver writes them), or the error that failed this tenant alone.
 *
 * @param executor where it ran (host and executor id), for the operator's log
 */
public record RetrainTaskResult(String tenant, RetrainOutcome outcome, List<io.nightbake.retrain.pipeline.PendingRegistrations.Registration> registrations, String error,
                                long millis, String executor) implements Serializable {

    private static final long serialVersionUID = 1L;

    public boolean succeeded() {
        return error == null;
    }

    static RetrainTaskResult failed(String tenant, String error, long millis, String executor) {
        return new RetrainTaskResult(tenant, null, List.of(), error, millis, executor);
    }
}
