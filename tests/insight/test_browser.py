"""The dashboard in a real browser (headless Debian Chromium driven by Playwright): the loss
path has the written points, switching runs redraws, histograms render, the graph shows its
nodes and a scope expands, the lineage table sorts by learning rate, and an injected NaN is
listed and highlighted on its node. Skipped only where Chromium or Playwright is missing."""
from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest

import mindlite as ms
from mindlite import insight, nn, ops
from mindlite.insight.server import serve_in_thread

CHROMIUM = os.environ.get("MINDLITE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

if not os.path.exists(CHROMIUM):
    pytest.skip("no Chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="no playwright (pip install 'mindlite[browser]')")

NAN_NODE = "Default/network-WithLossCell/_backbone-NanNet/log-op0"
LOSS_A = [1.0, 0.8, 0.5, 0.45, 0.3, 0.31, 0.2]
LOSS_B = [2.0, 1.0, 3.0]


class Deep(nn.Cell):
    def __init__(self, n):
        super().__init__()
        self.layers = nn.SequentialCell([nn.Dense(4, 4) for _ in range(n)])

    def construct(self, x):
        return self.layers(x)


class NanNet(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc = nn.Dense(3, 2)

    def construct(self, x):
        return ops.log(self.fc(x) - 100.0)


def _train_cell(net):
    return nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    rng = np.random.default_rng(0)
    hist = rng.normal(size=200).astype(np.float32)
    x4 = ms.Tensor(np.ones((2, 4), np.float32))
    with ms.SummaryRecord(str(root / "run_a")) as rec:
        for step, loss in enumerate(LOSS_A, 1):
            rec.add_value("scalar", "loss", ms.Tensor(np.float32(loss)))
            rec.record(step)
        rec.add_value("histogram", "w", ms.Tensor(hist))
        rec.add_value("image", "img", ms.Tensor(rng.random((2, 3, 8, 8)).astype(np.float32)))
        rec.add_value("graph", "train_network", insight.capture_graph(_train_cell(Deep(30)), (x4, x4)))
        rec.add_value("train_lineage", "t", {"hyper_parameters": {"learning_rate": 0.1}})
        rec.record(len(LOSS_A))
    with ms.SummaryRecord(str(root / "run_b")) as rec:
        for step, loss in enumerate(LOSS_B, 1):
            rec.add_value("scalar", "loss", ms.Tensor(np.float32(loss)))
            rec.record(step)
        rec.add_value("train_lineage", "t", {"hyper_parameters": {"learning_rate": 0.01}})
        rec.record(len(LOSS_B))
    step_cell = _train_cell(NanNet())
    x3, y2 = ms.Tensor(np.ones((2, 3), np.float32)), ms.Tensor(np.zeros((2, 2), np.float32))
    with ms.SummaryRecord(str(root / "run_nan")) as rec:
        rec.add_value("graph", "train_network", insight.capture_graph(step_cell, (x3, y2)))
        rec.add_value("train_lineage", "t", {"hyper_parameters": {"learning_rate": 1.0}})
        rec.record(0)
        with insight.Debugger([insight.Watchpoint("tensor_overflow", targets="Default/*")], summary_record=rec) as dbg:
            dbg.set_step(1)
            with np.errstate(invalid="ignore"):
                step_cell(x3, y2)
    return root, hist


@pytest.fixture(scope="module")
def page(runs):
    httpd, url = serve_in_thread(str(runs[0]))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.goto(url + "/")
        _ready(pg)
        yield pg
        browser.close()
    httpd.shutdown()
    httpd.server_close()


def _ready(pg):
    pg.wait_for_function("document.body.dataset.ready === '1'")


def _tab(pg, name):
    pg.click(f"#tabs button[data-tab={name}]")
    _ready(pg)


def _run(pg, name):
    pg.select_option("#run-select", name)
    _ready(pg)


def _path_values(pg, tag):
    """The values a chart's path encodes, read back through the chart's axis mapping."""
    svg = pg.locator(f"svg.chart[data-tag='{tag}']")
    a = {k: float(svg.get_attribute(f"data-{k}")) for k in ("ymin", "ymax", "top", "bottom")}
    d = svg.locator("path.series").get_attribute("d")
    ys = [float(y) for _, y in re.findall(r"([-\d.]+),([-\d.]+)", d)]
    return [a["ymin"] + (a["bottom"] - y) / (a["bottom"] - a["top"]) * (a["ymax"] - a["ymin"]) for y in ys]


def test_loss_path_and_switching_runs(page):
    _tab(page, "scalars")
    _run(page, "run_a")
    assert page.locator("svg.chart[data-tag='loss'] path.series").get_attribute("data-n") == str(len(LOSS_A))
    assert _path_values(page, "loss") == pytest.approx(LOSS_A, abs=0.01)
    _run(page, "run_b")
    assert _path_values(page, "loss") == pytest.approx(LOSS_B, abs=0.01)


def test_histograms_render(page, runs):
    _run(page, "run_a")
    _tab(page, "histograms")
    bars = page.locator("svg.histogram[data-tag='w'] rect.hist-bar")
    hist = runs[1].astype(np.float64)
    counts, _ = np.histogram(hist, bins=30, range=(hist.min(), hist.max()))
    assert bars.count() == 30
    assert [int(bars.nth(i).get_attribute("data-count")) for i in range(30)] == counts.tolist()
    heights = [float(bars.nth(i).get_attribute("height")) for i in range(30)]
    assert np.allclose(np.array(heights) / max(heights), counts / counts.max(), atol=1e-3)
    _tab(page, "images")
    size = page.locator(".image-card img").evaluate("img => [img.naturalWidth, img.naturalHeight, img.complete]")
    assert size == [18, 8, True]  # two 8x8 images side by side with a 2-pixel gap


def test_graph_nodes_and_scope_expansion(page):
    _run(page, "run_a")
    _tab(page, "graph")
    shown = int(page.locator("#graph-svg").get_attribute("data-nodes"))
    assert 0 < shown <= 300 and page.locator("#graph-svg g.node").count() == shown
    scope = page.locator("#graph-svg g.node.scope").first
    label = scope.locator("text").text_content()
    inside = int(re.search(r"\((\d+)\)$", label).group(1))
    scope.click()
    _ready(page)
    after = page.locator("#graph-svg g.node").count()
    assert after > shown and after <= shown - 1 + inside


def test_lineage_sorts_by_learning_rate(page):
    _tab(page, "lineage")
    page.click("#lineage th[data-col='learning_rate']")
    _ready(page)
    assert page.locator("#lineage tbody tr").evaluate_all("rows => rows.map(r => r.dataset.run)") == \
        ["run_b", "run_a", "run_nan"]
    page.click("#lineage th[data-col='learning_rate']")
    _ready(page)
    assert page.locator("#lineage tbody tr").evaluate_all("rows => rows.map(r => r.dataset.run)") == \
        ["run_nan", "run_a", "run_b"]


def test_nan_hit_is_listed_and_highlighted(page):
    _run(page, "run_nan")
    _tab(page, "debugger")
    hit = page.locator(f"#hits li.hit[data-node='{NAN_NODE}']")
    assert hit.count() == 1 and "tensor_overflow" in hit.text_content()
    hit.click()
    _ready(page)
    node = page.locator(f"#graph-svg g.node[data-id='{NAN_NODE}']")
    assert node.count() == 1
    classes = node.get_attribute("class").split()
    assert "hit" in classes and "selected" in classes
