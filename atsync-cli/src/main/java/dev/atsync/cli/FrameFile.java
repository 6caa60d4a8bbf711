package dev.atsync.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The file of frames {@code capture} writes and {@code verify} and {@code inspect} read. It
 * starts with the 16 ASCII bytes {@code "atsync-frames 1\n"}; then each frame (one WebSocket
 * binary message of {@code subscribeRepos}, as received: header and body) is a record of its
 * length as a 4-byte big-endian unsigned integer, 1 to {@value #MAX_FRAME_BYTES}, followed by that
 * many bytes. Records are read one at a time, so a file of any size is read in bounded memory;
 * a truncated last record is reported, not taken.
 */
final class FrameFile {
  /** The first bytes of every frames file. */
  static final byte[] MAGIC = "atsync-frames 1\n".getBytes(StandardCharsets.US_ASCII);
  /** The largest frame a record may hold (the subscriber's default frame limit). */
  static final int MAX_FRAME_BYTES = 5 * 1024 * 1024;

  private FrameFile() {}

  /** Whether {@code file} starts with the frames-file magic. */
  static boolean isFrameFile(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
    }
  }

  /** Writes frames, appending to nothing: a new file (or truncated), its magic first. */
  static final class Writer implements Closeable {
    private final DataOutputStream out;
    private long frames;

    Writer(OutputStream target) throws IOException {
      this.out = new DataOutputStream(new BufferedOutputStream(target, 64 * 1024));
      out.write(MAGIC);
    }

    void write(byte[] frame) throws IOException {
      if (frame.length < 1 || frame.length > MAX_FRAME_BYTES) {
        throw new IOException("frame of " + frame.length + " bytes is outside 1.." + MAX_FRAME_BYTES);
      }
      out.writeInt(frame.length);
      out.write(frame);
      frames++;
    }

    long frames() {
      return frames;
    }

    void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /** Reads frames one record at a time. */
  static final class Reader implements Closeable {
    private final DataInputStream in;
    private final String name;
    private long offset;

    Reader(InputStream source, String name) throws IOException {
      this.in = new DataInputStream(new BufferedInputStream(source, 64 * 1024));
      this.name = name;
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CliException(Atsync.USAGE, name + " is not a frames file (it does not start with"
            + " 'atsync-frames 1'; atsync capture writes them)");
      }
      offset = MAGIC.length;
    }

    /** The byte offset of the next record. */
    long offset() {
      return offset;
    }

    /**
     * The next frame, or {@code null} at the end of the file.
     *
     * @throws IOException if a record is truncated or its length is out of range (the message says where)
     */
    byte[] next() throws IOException {
      int first = in.read();
      if (first < 0) {
        return null;
      }
      long len;
      try {
        len = ((long) first << 24) | ((long) in.readUnsignedByte() << 16) | ((long) in.readUnsignedByte() << 8)
            | in.readUnsignedByte();
      } catch (EOFException e) {
        throw new IOException(name + ": truncated record length at byte " + offset);
      }
      if (len < 1 || len > MAX_FRAME_BYTES) {
        throw new IOException(name + ": record at byte " + offset + " has length " + len + ", outside 1.."
            + MAX_FRAME_BYTES);
      }
      byte[] frame = in.readNBytes((int) len);
      if (frame.length != len) {
        throw new IOException(name + ": record at byte " + offset + " is truncated (" + frame.length + " of " + len
            + " bytes)");
      }
      offset += 4 + len;
      return frame;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
