package io.nightbake.scoring;

import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RecommendationsFileTest {

    private static final LocalDate DATE = LocalDate.of(2026, 11, 2);

    @Test
    void roundTripsRankedRowsAndEmptyListMarkers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t1").resolve(RecommendationsFile.FILE_NAME);
        try (RecommendationsFile.Writer writer = RecommendationsFile.open(file, "t1", 4, DATE)) {
            writer.addRanked("c1", 1, "p9", 4.5);
            writer.addRanked("c1", 2, "p3", 4.25);
            writer.addEmptyList("c2");
            writer.addRanked("c3", 1, "p1", -1.5);
            writer.commit();
        }
        assertThat(RecommendationsFile.read(file)).containsExactly(
                new RecommendationsFile.Row("t1", "c1", 1, "p9", 4.5, 4, DATE),
                new RecommendationsFile.Row("t1", "c1", 2, "p3", 4.25, 4, DATE),
                new RecommendationsFile.Row("t1", "c2", 0, null, null, 4, DATE),
                new RecommendationsFile.Row("t1", "c3", 1, "p1", -1.5, 4, DATE));
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            assertThat(reader.getFileMetaData().getSchema()).isEqualTo(RecommendationsFile.SCHEMA);
        }
        assertThat(RecommendationsFile.read(file).get(2).isEmptyListMarker()).isTrue();
    }

    @Test
    void anUncommittedWriterLeavesNeitherFileNorTemporaryFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(RecommendationsFile.FILE_NAME);
        Files.writeString(file, "yesterday");
        try (RecommendationsFile.Writer writer = RecommendationsFile.open(file, "t1", 4, DATE)) {
            writer.addRanked("c1", 1, "p9", 4.5);
        }
        assertThat(file).hasContent("yesterday");
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(file);
        }
    }

    @Test
    void anEmptyFileReadsAsNoRows(@TempDir Path dir) {
        Path file = dir.resolve(RecommendationsFile.FILE_NAME);
        try (RecommendationsFile.Writer writer = RecommendationsFile.open(file, "t1", 1, DATE)) {
            writer.commit();
        }
        assertThat(RecommendationsFile.read(file)).isEqualTo(List.of());
    }

    @Test
    void armFilesMergeIntoOneFileWithTheArmColumnInCustomerOrder(@TempDir Path dir) throws Exception {
        Path champion = dir.resolve("a0.parquet");
        Path challenger = dir.resolve("a1.parquet");
        try (RecommendationsFile.Writer writer = RecommendationsFile.openWithArms(champion, "t1", 3, DATE)) {
            writer.arm("e1-champion", 3);
            writer.addRanked("c1", 1, "p1", 2.0);
            writer.addEmptyList("c4");
            writer.commit();
        }
        try (RecommendationsFile.Writer writer = RecommendationsFile.openWithArms(challenger, "t1", 5, DATE)) {
            writer.arm("e1-challenger", 5);
            writer.addRanked("c2", 1, "p2", 1.0);
            writer.addRanked("c2", 2, "p1", 0.5);
            writer.addRanked("c3", 1, "p3", 0.1);
            writer.commit();
        }
        Path merged = dir.resolve("merged").resolve(RecommendationsFile.FILE_NAME);
        assertThat(RecommendationsFile.mergeArms(List.of(champion, challenger), merged, "t1", 3, DATE)).isEqualTo(5);
        assertThat(RecommendationsFile.read(merged)).containsExactly(
                new RecommendationsFile.Row("t1", "c1", 1, "p1", 2.0, 3, DATE, "e1-champion"),
                new RecommendationsFile.Row("t1", "c2", 1, "p2", 1.0, 5, DATE, "e1-challenger"),
                new RecommendationsFile.Row("t1", "c2", 2, "p1", 0.5, 5, DATE, "e1-challenger"),
                new RecommendationsFile.Row("t1", "c3", 1, "p3", 0.1, 5, DATE, "e1-challenger"),
                new RecommendationsFile.Row("t1", "c4", 0, null, null, 3, DATE, "e1-champion"));
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(merged))) {
            assertThat(reader.getFileMetaData().getSchema()).isEqualTo(RecommendationsFile.SCHEMA_WITH_ARM);
        }
        // a file without the column reads as arm null (champion)
        assertThat(RecommendationsFile.read(champion).get(0).arm()).isEqualTo("e1-champion");

        // a customer in two arms is refused, and nothing is left at the target
        Path twice = dir.resolve("twice.parquet");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        RecommendationsFile.mergeArms(List.of(champion, champion), twice, "t1", 3, DATE))
                .hasMessageContaining("customer 'c1' has lists in two arms");
        assertThat(Files.exists(twice)).isFalse();
    }
}
