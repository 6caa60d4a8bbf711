package dev.atsync.car;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import dev.atsync.cid.Varint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CarTest {
  static Map<Cid, byte[]> blocks(int n) {
    Map<Cid, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      byte[] b = ("block " + i).getBytes(StandardCharsets.UTF_8);
      m.put(Cid.ofDagCbor(b), b);
    }
    return m;
  }

  @Test
  void writesAndStreamsBack() throws Exception {
    Map<Cid, byte[]> in = blocks(5);
    Cid root = in.keySet().iterator().next();
    byte[] car = CarWriter.toBytes(root, in);
    try (CarReader r = CarReader.open(new ByteArrayInputStream(car))) {
      assertEquals(List.of(root), r.roots());
      List<CarBlock> got = new ArrayList<>();
      for (Optional<CarBlock> b = r.next(); b.isPresent(); b = r.next()) {
        got.add(b.get());
      }
      assertEquals(5, got.size());
      for (CarBlock b : got) {
        assertArrayEquals(in.get(b.cid()), b.bytes());
      }
      assertEquals(car.length, r.offset());
    }
    CarReader.Contents all = CarReader.readAll(car, CarReader.Limits.DEFAULT);
    assertEquals(in.keySet(), all.blocks().keySet());
  }

  @Test
  void rejectsTamperedBlocksNamingTheCid() {
    Map<Cid, byte[]> in = blocks(3);
    Cid root = in.keySet().iterator().next();
    byte[] car = CarWriter.toBytes(root, in);
    car[car.length - 1] ^= 1;
    CarException e = assertThrows(CarException.class, () -> CarReader.readAll(car, CarReader.Limits.DEFAULT));
    assertTrue(e.cid().isPresent());
    assertTrue(e.getMessage().contains("do not hash"), e.getMessage());
  }

  @Test
  void rejectsMalformedAndOversizeCars() throws Exception {
    Map<Cid, byte[]> in = blocks(3);
    Cid root = in.keySet().iterator().next();
    byte[] car = CarWriter.toBytes(root, in);
    assertThrows(CarException.class, () -> CarReader.readAll(new byte[0], CarReader.Limits.DEFAULT));
    assertThrows(CarException.class,
        () -> CarReader.readAll(java.util.Arrays.copyOf(car, car.length - 3), CarReader.Limits.DEFAULT));
    assertThrows(CarException.class, () -> CarReader.readAll(car, new CarReader.Limits(64, 3, 1 << 20, 100)));
    assertThrows(CarException.class, () -> CarReader.readAll(car, new CarReader.Limits(64, 100, 1 << 20, 2)));
    assertThrows(CarException.class, () -> CarReader.readAll(car, new CarReader.Limits(64, 100, 120, 100)));
    assertThrows(CarException.class, () -> CarReader.readAll(car, new CarReader.Limits(10, 100, 1 << 20, 100)));
    // a section claiming far more bytes than exist must not be allocated
    ByteArrayOutputStream huge = new ByteArrayOutputStream();
    new CarWriter(huge, List.of(root)).close();
    huge.write(Varint.encode(1L << 40));
    CarException big = assertThrows(CarException.class,
        () -> CarReader.readAll(huge.toByteArray(), CarReader.Limits.DEFAULT));
    assertTrue(big.getMessage().contains("exceeds"), big.getMessage());
    // header: version 2, extra field, not a map
    assertThrows(CarException.class, () -> CarReader.readAll(withHeader("a2" + "65726f6f747380" + "6776657273696f6e02"),
        CarReader.Limits.DEFAULT));
    assertThrows(CarException.class, () -> CarReader.readAll(withHeader("a1" + "6776657273696f6e01"),
        CarReader.Limits.DEFAULT));
    assertThrows(CarException.class, () -> CarReader.readAll(withHeader("01"), CarReader.Limits.DEFAULT));
  }

  static byte[] withHeader(String hex) {
    byte[] h = HexFormat.of().parseHex(hex);
    byte[] out = new byte[h.length + 1];
    out[0] = (byte) h.length;
    System.arraycopy(h, 0, out, 1, h.length);
    return out;
  }

  /** Any mutation of a valid CAR is read or rejected with a data-model exception, nothing else. */
  @Property(tries = 2000)
  void mutatedCarsFailCleanly(@ForAll @IntRange(min = 1, max = 6) int n, @ForAll @Size(max = 4) List<@IntRange(max = 100000) Integer> positions,
      @ForAll byte value) {
    Map<Cid, byte[]> in = blocks(n);
    byte[] car = CarWriter.toBytes(in.keySet().iterator().next(), in);
    for (int p : positions) {
      car[p % car.length] ^= value == 0 ? 1 : value;
    }
    try {
      CarReader.readAll(car, new CarReader.Limits(1024, 4096, 1 << 20, 1000));
    } catch (DataModelException expected) {
      // typed rejection
    }
  }
}
