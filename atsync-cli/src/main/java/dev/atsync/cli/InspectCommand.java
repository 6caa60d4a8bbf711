package dev.atsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atsync.car.CarBlock;
import dev.atsync.car.CarReader;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cbor.Value;
import dev.atsync.cbor.json.AtprotoJson;
import dev.atsync.cid.Cid;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InvalidFrameException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atsync inspect}: a frame, a frames file, a CAR or a block as atproto JSON. */
@Command(name = "inspect", sortOptions = false, showDefaultValues = true,
    description = {"Print a file as atproto JSON (CIDs as {\"$link\": ...}, bytes as {\"$bytes\": ...}), one JSON"
        + " object per line: a frames file (atsync capture) gives one {header, body} per frame; a CAR gives its"
        + " roots, then one {cid, value} per block (raw blocks as bytes); a single frame gives {header, body};"
        + " a DAG-CBOR block gives its value."},
    footer = {"", "Exit codes: 0 printed, 1 the file is none of these (or malformed), 2 usage error.",
        "Example:", "  atsync inspect frames.bin", "  atsync inspect repo.car"})
final class InspectCommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper();
  /** The largest single frame or block read whole. */
  static final int MAX_SINGLE_BYTES = FrameFile.MAX_FRAME_BYTES;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "a frames file, a CAR file, a frame or a block")
  Path file;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new CliException(Atsync.USAGE, file + " is not a readable file");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (FrameFile.isFrameFile(file)) {
      try (FrameFile.Reader in = new FrameFile.Reader(Files.newInputStream(file), file.toString())) {
        for (byte[] f = in.next(); f != null; f = in.next()) {
          out.println(frame(f));
        }
      } catch (IOException | InvalidFrameException e) {
        throw new CliException(Atsync.INVALID, Atsync.describe(e));
      }
      return 0;
    }
    if (car()) {
      return 0;
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SINGLE_BYTES + 1);
    }
    if (bytes.length > MAX_SINGLE_BYTES) {
      throw new CliException(Atsync.INVALID, file + " is not a frames file or a CAR, and is larger than "
          + MAX_SINGLE_BYTES + " bytes for a single frame or block");
    }
    try {
      out.println(frame(bytes));
      return 0;
    } catch (InvalidFrameException e) {
      // not a frame: a block?
    }
    try {
      out.println(AtprotoJson.write(DagCbor.decode(bytes)));
      return 0;
    } catch (DataModelException e) {
      throw new CliException(Atsync.INVALID, file + " is not a frames file, a CAR, a frame or a DAG-CBOR block: "
          + Atsync.describe(e));
    }
  }

  /** Prints the file as a CAR if it is one; false (nothing printed) if its header is not a CAR's. */
  private boolean car() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    CarReader car;
    try {
      car = CarReader.open(Files.newInputStream(file), CarReader.Limits.DEFAULT);
    } catch (DataModelException e) {
      return false;
    }
    try (car) {
      ObjectNode head = JSON.createObjectNode();
      ArrayNode roots = head.putArray("roots");
      for (Cid c : car.roots()) {
        roots.addObject().put("$link", c.toString());
      }
      out.println(head);
      for (Optional<CarBlock> b = car.next(); b.isPresent(); b = car.next()) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("cid").put("$link", b.get().cid().toString());
        Value v = b.get().cid().codec() == Cid.Codec.DAG_CBOR ? DagCbor.decode(b.get().bytes())
            : new Value.Bytes(b.get().bytes());
        n.set("value", json(v));
        out.println(n);
      }
    } catch (DataModelException e) {
      throw new CliException(Atsync.INVALID, file + ": " + Atsync.describe(e));
    }
    return true;
  }

  /** A frame as {@code {"header": ..., "body": ...}}. */
  static JsonNode frame(byte[] bytes) throws IOException {
    Frame f = Frame.decode(bytes);
    byte[] body = f.bodyBytes();
    byte[] header = java.util.Arrays.copyOf(bytes, bytes.length - body.length);
    ObjectNode n = JSON.createObjectNode();
    n.set("header", json(DagCbor.decode(header)));
    n.set("body", json(DagCbor.decode(body)));
    return n;
  }

  static JsonNode json(Value v) throws IOException {
    return JSON.readTree(AtprotoJson.write(v));
  }
}
