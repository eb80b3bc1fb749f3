package io.nightbake.retrain.pipeline;

import io.nightbake.model.ModelVersion;

/**
 * What retraining one tenant produced: the registered version and its decision.
 *
 * @param resumed true when the version had already been registered by an earlier attempt of the same run
 *                (a rerun after a crash), so nothing was trained again
 * @param rejectedFirstModel when a tenant's first trained model did not beat the baseline, that rejected version
 *                (the popularity baseline was then registered as {@code version}, the champion); else null
 * @param duplicatesCollapsed exact duplicate interactions left out of training and holdout (see {@link HoldoutSplit})
 */
public record RetrainOutcome(ModelVersion version, int interactions, long trainMillis, long totalMillis, boolean resumed,
                             ModelVersion rejectedFirstModel, int duplicatesCollapsed) implements java.io.Serializable {

    public RetrainOutcome(ModelVersion version, int interactions, long trainMillis, long totalMillis, boolean resumed,
                          ModelVersion rejectedFirstModel) {
        this(version, interactions, trainMillis, totalMillis, resumed, rejectedFirstModel, 0);
    }
}
