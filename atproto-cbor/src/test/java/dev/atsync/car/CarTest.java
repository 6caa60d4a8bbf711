package dev.atsync.car;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CarTest {
  static List<CarBlock> blocks(int n) {
    List<CarBlock> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(CarBlock.ofDagCbor(DagCbor.encode(new Value.Map(Map.of("i", Value.of(i), "t", Value.of("x".repeat(i)))))));
    }
    return out;
  }

  static byte[] car(int n) {
    List<CarBlock> b = blocks(n);
    return CarWriter.write(List.of(b.get(0).cid()), b);
  }

  @Test
  void roundTrip() {
    List<CarBlock> b = blocks(5);
    byte[] car = CarWriter.write(List.of(b.get(0).cid(), b.get(1).cid()), b);
    CarReader r = new CarReader(new ByteArrayInputStream(car));
    assertEquals(List.of(b.get(0).cid(), b.get(1).cid()), r.roots());
    for (CarBlock expected : b) {
      Optional<CarBlock> got = r.next();
      assertEquals(Optional.of(expected), got);
    }
    assertEquals(Optional.empty(), r.next());
    assertEquals(car.length, r.position());
    CarReader.Contents all = CarReader.readAll(car);
    assertEquals(5, all.blocks().size());
    assertArrayEquals(b.get(3).bytes(), all.blocks().get(b.get(3).cid()));
  }

  @Test
  void tamperedBlockNamesItsCid() {
    byte[] car = car(2);
    car[car.length - 1] ^= 1;
    CarException e = assertThrows(CarException.class, () -> CarReader.readAll(car));
    assertTrue(e.cid().isPresent());
    assertTrue(e.getMessage().contains("hash"), e.getMessage());
  }

  @Test
  void limits() {
    byte[] car = car(4);
    assertThrows(CarException.class, () -> new CarReader(new ByteArrayInputStream(car),
        new CarReader.Limits(4, 1 << 20, 1 << 20, 100)));
    assertThrows(CarException.class, () -> new CarReader(new ByteArrayInputStream(car),
        new CarReader.Limits(1024, 4, 1 << 20, 100)).readAll());
    assertThrows(CarException.class, () -> new CarReader(new ByteArrayInputStream(car),
        new CarReader.Limits(1024, 1 << 20, 100, 100)).readAll());
    assertThrows(CarException.class, () -> new CarReader(new ByteArrayInputStream(car),
        new CarReader.Limits(1024, 1 << 20, 1 << 20, 3)).readAll());
    assertEquals(4, new CarReader(new ByteArrayInputStream(car),
        new CarReader.Limits(1024, 1 << 20, 1 << 20, 4)).readAll().size());
  }

  @Test
  void badHeaders() {
    // version 2
    byte[] h = DagCbor.encode(new Value.Map(Map.of("roots", new Value.List(List.of()), "version", Value.of(2))));
    byte[] car = new byte[h.length + 1];
    car[0] = (byte) h.length;
    System.arraycopy(h, 0, car, 1, h.length);
    assertThrows(CarException.class, () -> CarReader.readAll(car));
    assertThrows(CarException.class, () -> CarReader.readAll(new byte[0]));
    // huge declared header length must not allocate
    assertThrows(CarException.class, () -> CarReader.readAll(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}));
    // empty roots are allowed
    byte[] ok = CarWriter.write(List.of(), List.of());
    assertEquals(List.of(), CarReader.readAll(ok).roots());
  }

  @Test
  void cidVersionZeroSectionRejected() {
    byte[] car = car(1);
    int sectionCid = car.length - blocks(1).get(0).length() - Cid.BINARY_LENGTH;
    car[sectionCid] = 0x12;
    CarException e = assertThrows(CarException.class, () -> CarReader.readAll(car));
    assertEquals(sectionCid, e.offset());
  }

  @Property(tries = 2000)
  void mutatedCarFailsCleanly(@ForAll("mutations") int[] m) {
    byte[] car = dev.atsync.cbor.DagCborPropertiesTest.mutate(car(3), m);
    try {
      CarReader.readAll(car);
    } catch (DataModelException expected) {
      // CarException, or a header's CborException wrapped in one: both are fine
    }
  }

  @Provide
  Arbitrary<int[]> mutations() {
    return net.jqwik.api.Combinators.combine(
            Arbitraries.integers().between(0, 3), Arbitraries.integers(), Arbitraries.integers().between(0, 255))
        .as((a, b, c) -> new int[] {a, b, c});
  }
}
