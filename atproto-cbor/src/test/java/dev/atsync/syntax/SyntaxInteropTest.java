package dev.atsync.syntax;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.atsync.interop.InteropFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every line of every {@code ../shared/interop/syntax/} file this package covers. */
class SyntaxInteropTest {

  static DynamicContainer kind(String name, Consumer<String> parse) {
    List<DynamicNode> tests = new ArrayList<>();
    for (String s : InteropFiles.lines("syntax/" + name + "_syntax_valid.txt")) {
      tests.add(dynamicTest("valid '" + s + "'", () -> parse.accept(s)));
    }
    for (String s : InteropFiles.lines("syntax/" + name + "_syntax_invalid.txt")) {
      tests.add(dynamicTest("invalid '" + s + "'",
          () -> assertThrows(InvalidSyntaxException.class, () -> parse.accept(s))));
    }
    return DynamicContainer.dynamicContainer(name, tests);
  }

  /** Formats with two levels: the string syntax, and a real parse that the parse-invalid lines fail. */
  static DynamicContainer twoLevel(String name, Predicate<String> syntax, Consumer<String> parse) {
    List<DynamicNode> tests = new ArrayList<>();
    for (String s : InteropFiles.lines("syntax/" + name + "_syntax_valid.txt")) {
      tests.add(dynamicTest("valid '" + s + "'", () -> {
        assertTrue(syntax.test(s));
        parse.accept(s);
      }));
    }
    for (String s : InteropFiles.lines("syntax/" + name + "_syntax_invalid.txt")) {
      tests.add(dynamicTest("invalid '" + s + "'", () -> {
        assertFalse(syntax.test(s));
        assertThrows(InvalidSyntaxException.class, () -> parse.accept(s));
      }));
    }
    for (String s : InteropFiles.lines("syntax/" + name + "_parse_invalid.txt")) {
      // most of these pass the string syntax; one (minute 99) already fails the reference
      // regex's [0-6][0-9], as it does in indigo: what every line must do is fail the parse
      tests.add(dynamicTest("parse-invalid '" + s + "'",
          () -> assertThrows(InvalidSyntaxException.class, () -> parse.accept(s))));
    }
    return DynamicContainer.dynamicContainer(name, tests);
  }

  @TestFactory
  List<DynamicContainer> vectors() {
    return List.of(
        kind("did", s -> {
          Did.parse(s);
          assertTrue(Did.isValid(s));
        }),
        kind("handle", Handle::parse),
        kind("nsid", Nsid::parse),
        kind("recordkey", RecordKey::parse),
        kind("tid", s -> {
          Tid.parse(s);
          assertTrue(Tid.isValid(s));
        }),
        kind("aturi", AtUri::parse),
        kind("atidentifier", AtIdentifier::parse),
        twoLevel("datetime", Datetime::isValidSyntax, Datetime::parse),
        twoLevel("language", Language::isValidSyntax, Language::parse));
  }

  @TestFactory
  List<DynamicTest> invalidTidsAreRejectedByIsValidToo() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String s : InteropFiles.lines("syntax/tid_syntax_invalid.txt")) {
      tests.add(dynamicTest(s, () -> assertFalse(Tid.isValid(s))));
    }
    for (String s : InteropFiles.lines("syntax/did_syntax_invalid.txt")) {
      tests.add(dynamicTest(s, () -> assertFalse(Did.isValid(s))));
    }
    return tests;
  }
}
