package io.nightbake.retrain.train;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;

/** Trains one tenant's model on a subset of its interactions. Implementations must be deterministic for a seed. */
public interface Trainer {

    /** The algorithm name recorded in lineage, as in the template's {@code algorithm.name}. */
    String algorithm();

    /** Library and version that did the training, recorded in lineage. */
    String libraryVersion();

    FactorizationMachine train(TenantDataset data, FeatureEncoder encoder, int[] trainRows);
}
