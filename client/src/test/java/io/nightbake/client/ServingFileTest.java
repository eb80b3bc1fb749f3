package io.nightbake.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingFileTest {

    @TempDir
    Path dir;

    private Path write(TestContent content) {
        Path file = dir.resolve(ServingFile.FILE_NAME);
        ServingFile.write(ServingFile.encode(content.content()), file);
        return file;
    }

    private static TestContent threeCustomers() {
        return new TestContent("acme", "2026-10-31-p7")
                .customer("c-1", "p-9", "p-2", "p-7")
                .customer("c-2")
                .customer("kunde-ü-😀", "p-2", "p-\"quoted\"");
    }

    @Test
    void mappedFileAnswersWhatWasWritten() {
        ServingSnapshot s = ServingFile.open(write(threeCustomers()));

        assertThat(s.isMapped()).isTrue();
        assertThat(s.tenantId()).isEqualTo("acme");
        assertThat(s.snapshotId()).isEqualTo("2026-10-31-p7");
        assertThat(s.runDate()).isEqualTo(LocalDate.of(2026, 10, 31));
        assertThat(s.builtAt()).isEqualTo(Instant.parse("2026-10-31T02:00:00.123456789Z"));
        assertThat(s.modelVersion()).isEqualTo(3);
        assertThat(s.customerCount()).isEqualTo(3);
        assertThat(s.entryCount()).isEqualTo(5);
        assertThat(s.productCount()).isEqualTo(4);
        assertThat(s.armCount()).isEqualTo(1);
        assertThat(s.armName(0)).isEqualTo("champion");

        int c1 = s.customerOrdinal("c-1");
        assertThat(c1).isEqualTo(0);
        assertThat(s.listEnd(c1) - s.listStart(c1)).isEqualTo(3);
        assertThat(s.productId(s.productCode(s.listStart(c1)))).isEqualTo("p-9");
        assertThat(s.score(s.listStart(c1) + 1)).isEqualTo(0.875f);
        int c2 = s.customerOrdinal("c-2");
        assertThat(s.listEnd(c2)).isEqualTo(s.listStart(c2));
        int unicode = s.customerOrdinal("kunde-ü-😀");
        assertThat(unicode).isEqualTo(2);
        assertThat(s.productId(s.productCode(s.listStart(unicode) + 1))).isEqualTo("p-\"quoted\"");
        assertThat(s.customerIdAt(unicode)).isEqualTo("kunde-ü-😀");
        assertThat(s.customerOrdinal("c-3")).isEqualTo(-1);
        assertThat(s.customerOrdinal("")).isEqualTo(-1);
        assertThat(s.customerOrdinal(new StringBuilder("c-1"))).isEqualTo(0);
    }

    @Test
    void armsAreKeptPerCustomer() {
        ServingSnapshot s = ServingFile.open(write(new TestContent("acme", "s1")
                .customer("a", "champion", 3, "p1")
                .customer("b", "challenger", 4, "p2")
                .customer("c", "champion", 3)));

        assertThat(s.armCount()).isEqualTo(2);
        assertThat(s.armName(s.customerArm(s.customerOrdinal("b")))).isEqualTo("challenger");
        assertThat(s.armModelVersion(s.customerArm(s.customerOrdinal("b")))).isEqualTo(4);
        assertThat(s.armName(s.customerArm(s.customerOrdinal("c")))).isEqualTo("champion");
        assertThat(s.armOrdinal("challenger")).isEqualTo(1);
    }

    @Test
    void manyCustomersAreAllFound() {
        TestContent content = new TestContent("big", "s");
        for (int c = 0; c < 5000; c++) {
            content.customer("cust-" + c, "p" + (c % 17), "p" + (c % 13 + 20));
        }
        ServingSnapshot s = ServingFile.open(write(content));
        for (int c = 0; c < 5000; c++) {
            int ordinal = s.customerOrdinal("cust-" + c);
            assertThat(ordinal).isEqualTo(c);
            assertThat(s.productId(s.productCode(s.listStart(ordinal)))).isEqualTo("p" + (c % 17));
        }
        assertThat(s.customerOrdinal("cust-5000")).isEqualTo(-1);
    }

    @Test
    void aDuplicateCustomerIsRefusedWhenEncoding() {
        assertThatThrownBy(() -> ServingFile.encode(new TestContent("acme", "s").customer("c", "p").customer("c", "q")
                .content())).isInstanceOf(ServingFile.DuplicateCustomerException.class).hasMessageContaining("'c'");
    }

    @Test
    void aFlippedByteFailsTheChecksum() throws Exception {
        Path file = write(threeCustomers());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(file, bytes);

        assertThatThrownBy(() -> ServingFile.open(file)).isInstanceOf(ServingFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("fails its checksum");
    }

    @Test
    void aFlippedReservedHeaderByteFailsTheChecksumToo() throws Exception {
        Path file = write(threeCustomers());
        byte[] bytes = Files.readAllBytes(file);
        bytes[100] ^= 0x01;
        Files.write(file, bytes);

        assertThatThrownBy(() -> ServingFile.open(file)).hasMessageContaining("fails its checksum");
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        Path file = write(threeCustomers());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 8));

        assertThatThrownBy(() -> ServingFile.open(file)).isInstanceOf(ServingFileException.class)
                .hasMessageContaining("truncated");
        Files.write(file, java.util.Arrays.copyOf(bytes, 40));
        assertThatThrownBy(() -> ServingFile.open(file)).hasMessageContaining("shorter than its 128-byte header");
    }

    @Test
    void anotherFormatVersionOrForeignFileIsRefused() throws Exception {
        Path file = write(threeCustomers());
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
        Files.write(file, bytes);
        assertThatThrownBy(() -> ServingFile.open(file)).hasMessageContaining("format version 2");

        Files.writeString(file, "x".repeat(500));
        assertThatThrownBy(() -> ServingFile.open(file)).hasMessageContaining("not a Nightbake serving file");

        Path missing = dir.resolve("nope").resolve(ServingFile.FILE_NAME);
        assertThatThrownBy(() -> ServingFile.open(missing)).isInstanceOf(ServingFileException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void inconsistentOffsetsWithAValidChecksumAreRefused() {
        ByteBuffer bytes = ServingFile.encode(threeCustomers().content());
        ServingFile.Layout layout = new ServingFile.Layout(bytes.getInt(72), bytes.getInt(44), 3, 5, 4, 1,
                bytes.getInt(76), bytes.getInt(80));
        bytes.putInt(layout.productCode + 4, 99); // a product code past the dictionary
        bytes.putLong(24, ServingFile.checksum(bytes));

        assertThatThrownBy(() -> ServingFile.wrap(Path.of("forged"), bytes))
                .hasMessageContaining("entry 1 naming product 99 of 4");
    }
}
