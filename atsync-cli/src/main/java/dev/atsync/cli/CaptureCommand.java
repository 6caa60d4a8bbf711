package dev.atsync.cli;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.StreamError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atsync capture}: a stream's raw frames into a frames file. */
@Command(name = "capture", sortOptions = false, showDefaultValues = true,
    description = {"Write a subscribeRepos stream's frames, as received, to a frames file: the 16 bytes"
        + " 'atsync-frames 1\\n', then per frame its length (4 bytes, big-endian) and its bytes. atsync verify and"
        + " atsync inspect read it."},
    footer = {"", "Exit codes: 0 captured, 2 usage or connection error.",
        "Example:", "  atsync capture wss://pds.example.com --cursor 0 --limit 500 -o frames.bin"})
final class CaptureCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "URL",
      description = "the stream: wss://host, https://host, ws://host:port or a full subscribeRepos URL")
  String url;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the frames file to write")
  Path output;

  @Mixin
  LiveStream.Options stream;

  @Override
  public Integer call() throws Exception {
    java.net.URI endpoint = StreamUrls.subscribeRepos(url);
    long frames;
    try (FrameFile.Writer out = new FrameFile.Writer(Files.newOutputStream(output))) {
      LiveStream.run(endpoint, stream, new LiveStream.Sink() {
        @Override
        public void frame(Frame frame) throws IOException {
          out.write(frame.bytes());
        }

        @Override
        public void staleSeq(Frame frame, long lastSeq) {
          write(frame.bytes());
        }

        @Override
        public void streamError(StreamError error) {
          write(Frame.ofError(error).bytes());
        }

        private void write(byte[] bytes) {
          try {
            out.write(bytes);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      });
      frames = out.frames();
    } catch (IOException e) {
      throw new CliException(Atsync.USAGE, "cannot write " + output + ": " + Atsync.describe(e));
    }
    spec.commandLine().getOut().println("captured " + frames + " frames to " + output);
    return 0;
  }
}
