package io.nightbake.retrain.synthetic;

import java.nio.file.Path;

/** Test helper: generates a fleet in a separate JVM, to check that bytes do not depend on the process. */
public final class GenerateFleetInAnotherJvm {

    private GenerateFleetInAnotherJvm() {
    }

    public static void main(String[] args) {
        FleetSpec spec = FleetSpec.defaults().withTenants(Integer.parseInt(args[1]))
                .withLargestTenant(Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        new SyntheticFleetGenerator().generate(spec, Path.of(args[0]));
    }
}
