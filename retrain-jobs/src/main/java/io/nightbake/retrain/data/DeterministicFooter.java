package io.nightbake.retrain.data;

import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageEncodingStats;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Makes a Parquet footer independent of the JVM run. parquet-java collects each column chunk's encodings
 * in a {@code HashSet<Encoding>}, whose order follows the enums' identity hash codes and so changes from
 * one process to the next; the same data then gives different bytes. This sorts those lists (they are
 * sets to every reader) and rewrites the footer in place.
 */
final class DeterministicFooter {

    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private DeterministicFooter() {
    }

    static void normalize(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, tail, size - 8);
            int footerLength = tail.getInt(0);
            byte[] magic = Arrays.copyOfRange(tail.array(), 4, 8);
            long footerStart = size - 8 - footerLength;
            if (!Arrays.equals(magic, MAGIC) || footerLength <= 0 || footerStart < MAGIC.length) {
                throw new IOException(file + " does not end with a plain Parquet footer");
            }
            ByteBuffer footer = ByteBuffer.allocate(footerLength);
            readFully(channel, footer, footerStart);
            FileMetaData metadata = Util.readFileMetaData(new ByteArrayInputStream(footer.array()));
            sortEncodings(metadata);
            ByteArrayOutputStream rewritten = new ByteArrayOutputStream(footerLength);
            Util.writeFileMetaData(metadata, rewritten);
            byte[] bytes = rewritten.toByteArray();
            if (Arrays.equals(bytes, footer.array())) {
                return;
            }
            ByteBuffer out = ByteBuffer.allocate(bytes.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            out.put(bytes).putInt(bytes.length).put(MAGIC).flip();
            channel.truncate(footerStart);
            long position = footerStart;
            while (out.hasRemaining()) {
                position += channel.write(out, position);
            }
        }
    }

    private static void sortEncodings(FileMetaData metadata) {
        if (metadata.getRow_groups() == null) {
            return;
        }
        for (RowGroup rowGroup : metadata.getRow_groups()) {
            for (ColumnChunk chunk : rowGroup.getColumns()) {
                ColumnMetaData column = chunk.getMeta_data();
                if (column == null) {
                    continue;
                }
                List<Encoding> encodings = column.getEncodings();
                if (encodings != null) {
                    encodings.sort(Comparator.comparingInt(Encoding::getValue));
                }
                List<PageEncodingStats> stats = column.getEncoding_stats();
                if (stats != null) {
                    stats.sort(Comparator.<PageEncodingStats>comparingInt(s -> s.getPage_type().getValue())
                            .thenComparingInt(s -> s.getEncoding().getValue()));
                }
            }
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
