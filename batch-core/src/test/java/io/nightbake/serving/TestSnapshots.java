package io.nightbake.serving;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;

/** Small snapshot files for tests outside this package (wraps {@link SnapshotFiles}). */
public final class TestSnapshots {

    private TestSnapshots() {
    }

    /** Writes a snapshot file with one customer and its list, as alternating product id and score. */
    public static Path write(Path file, String tenant, int modelVersion, LocalDate runDate, String customer,
                             Object... productsAndScores) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SnapshotFiles.snapshot(tenant, modelVersion, runDate).customer(customer, productsAndScores).write(file);
    }
}
