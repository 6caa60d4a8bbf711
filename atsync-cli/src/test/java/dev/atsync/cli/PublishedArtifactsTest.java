package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The bill of materials (atsync-bom) manages every artifact the build publishes: every module of
 * the root POM that is neither a POM nor skipped by the install plugin, at the parent's version.
 */
class PublishedArtifactsTest {
  /** The repository root: the tests run in the module's directory. */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  static Document read(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(pom.toFile());
  }

  /** The text of the first direct child element of that name, or "". */
  static String child(Element e, String name) {
    for (org.w3c.dom.Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
        return n.getTextContent().trim();
      }
    }
    return "";
  }

  static List<Element> elements(Document d, String name) {
    NodeList nodes = d.getElementsByTagName(name);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }

  @Test
  void theBomManagesEveryPublishedArtifact() throws Exception {
    Document root = read(ROOT.resolve("pom.xml"));
    String version = child(root.getDocumentElement(), "version");
    TreeSet<String> published = new TreeSet<>();
    for (Element module : elements(root, "module")) {
      Document pom = read(ROOT.resolve(module.getTextContent().trim()).resolve("pom.xml"));
      Element project = pom.getDocumentElement();
      boolean skipped = elements(pom, "maven.install.skip").stream()
          .anyMatch(e -> e.getTextContent().trim().equals("true"));
      if (!child(project, "packaging").equals("pom") && !skipped) {
        published.add(child(project, "artifactId"));
      }
    }
    Document bom = read(ROOT.resolve("atsync-bom/pom.xml"));
    assertEquals(version, child(bom.getDocumentElement(), "version"), "the BOM's version is the parent's");
    TreeSet<String> managed = new TreeSet<>();
    for (Element dependency : elements(bom, "dependency")) {
      assertEquals("dev.atsync", child(dependency, "groupId"));
      assertEquals("${project.version}", child(dependency, "version"));
      managed.add(child(dependency, "artifactId"));
    }
    assertEquals(published, managed, "atsync-bom/pom.xml manages exactly the published artifacts");
  }
}
