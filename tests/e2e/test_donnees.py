"""End-to-end: import a file through the Données page in headless Chromium.

Upload -> type suggested from the name -> preview + validation report -> commit -> the new
dataset appears in the list with its provenance. A broken file shows every problem (file,
line, column) and stores nothing. HTML in names is shown as text, never rendered.

These tests replace data (the demo structures by a two-row file, a BPE year), so they run
on a server of their own (`app_url` overridden below): the e2e tests after them, on the
shared server, see the default workspace whatever the order (the pre-diagnostic's EAJE map
of tests/e2e/test_live_maps.py vanished in CI once this file had removed the structures).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import started_server, wait_for_app

pytestmark = pytest.mark.e2e

HARMLESS_HOSTS = {"fonts.gstatic.com", "fonts.googleapis.com"}

GOOD = (
    "\ufeffid_structure;type_structure;nom;code_insee;places;psu\r\n"
    "E2E-1;Crèche;<b>Crèche</b> <script>window.pwned=1</script> Les Lucioles;42218;40;oui\r\n"
    "E2E-2;Micro-crèche;Micro-crèche Pomme;1004;10;non\r\n"
).encode("utf-8")
BAD = (
    "id_structure;type_structure;nom;code_insee;places\r\n"
    "B1;EAJE;Crèche A;42218;abc\r\n"
    "B2;EAJE;Crèche B;ZZ;-3\r\n"
).encode("cp1252")


@pytest.fixture(scope="module")
def app_url(browser) -> Iterator[str]:
    """A server of this module's own (overrides the shared one: these tests change data)."""
    with started_server(browser, "diag-donnees") as server:
        yield server.url


def _open(page, app_url: str) -> None:
    page.goto(f"{app_url}/donnees")
    wait_for_app(page)
    page.get_by_text("Données et sources", exact=True).first.wait_for()
    page.get_by_role("tab", name="Importer un fichier").click()


def _upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )


def test_import_good_file(page, app_url, artifacts_dir) -> None:
    _open(page, app_url)
    _upload(page, "structures_e2e.csv", GOOD)
    page.get_by_text("aucune erreur", exact=False).first.wait_for(timeout=90_000)
    page.get_by_text("Aperçu", exact=False).first.wait_for()
    # Update by key keeps the demo structures unless the user asks: ask, and see what goes.
    page.get_by_text("Retirer aussi les données de démonstration", exact=False).first.click()
    page.get_by_text("Va retirer ou vider", exact=False).first.wait_for(timeout=60_000)
    wait_for_app(page)
    page.screenshot(path=str(artifacts_dir / "donnees_apercu.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer dans l'espace de travail").click()
    done = page.get_by_text("Import enregistré", exact=False).first
    done.wait_for(timeout=90_000)
    assert "Structures" in done.inner_text() and "réel" in done.inner_text()
    wait_for_app(page)
    page.get_by_role("tab", name="Jeux de données").click()
    # The real list replaced the demo structures: pick the new dataset in the detail selector.
    page.get_by_label("Jeu de données").first.click()
    page.keyboard.type("Structures")
    option = page.get_by_role(
        "option",
        name="Structures : EAJE, RPE, LAEP, ALSH, centres sociaux, EVS · réel",
        exact=False,
    )
    option.first.wait_for(timeout=30_000)
    option.first.click()
    page.get_by_text(
        "Structures : EAJE, RPE, LAEP, ALSH, centres sociaux, EVS — Source", exact=False
    ).first.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "donnees_liste.png"))
    # The demo structures were replaced by the real file: no synthetic structures left.
    page.get_by_label("Jeu de données").first.click()
    page.keyboard.type("Structures")
    assert (
        page.get_by_role("option", name="synthétique", exact=False)
        .filter(has_text="Structures")
        .count()
        == 0
    )
    assert page.evaluate("() => window.pwned === undefined")  # the script in a name never ran
    assert not [u for u in page.blocked_requests if not any(h in u for h in HARMLESS_HOSTS)]


def test_preview_lists_what_will_be_removed_then_restore(page, app_url, artifacts_dir) -> None:
    """Issue 14: « replace the whole year » says what it removes; the previous version comes
    back in one step."""
    _open(page, app_url)
    _upload(page, "bpe_2021_e2e.csv", b"CODGEO;NB_D502\r\n42218;41\r\n")
    page.get_by_text("aucune erreur", exact=False).first.wait_for(timeout=90_000)
    page.get_by_text("Ce que l'enregistrement va changer", exact=False).first.wait_for()
    # default: update by key, nothing removed
    page.get_by_text("Aucune donnée existante ne sera retirée", exact=False).first.wait_for(
        timeout=60_000
    )
    page.get_by_text("Remplacer l'année entière", exact=False).first.click()
    warning = page.get_by_text("Va retirer ou vider — 2021", exact=False).first
    warning.wait_for(timeout=60_000)
    text = warning.inner_text()
    assert "territoire(s) ou élément(s) perdent un chiffre" in text and "(01001)" in text
    wait_for_app(page)
    page.screenshot(path=str(artifacts_dir / "donnees_va_retirer.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer dans l'espace de travail").click()
    page.get_by_text("Import enregistré", exact=False).first.wait_for(timeout=90_000)
    wait_for_app(page)
    page.get_by_role("tab", name="Jeux de données").click()
    wait_for_app(page)
    page.get_by_label("Type de données (versions)").first.click()
    page.keyboard.type("BPE")
    page.get_by_role("option", name="INSEE BPE : nombre d'EAJE par commune").first.click(
        timeout=60_000
    )
    wait_for_app(page)
    page.get_by_label("Version à restaurer").first.click()
    page.keyboard.type("insee_bpe2021")
    page.get_by_role("option", name="insee_bpe2021", exact=False).first.click(timeout=60_000)
    page.get_by_role("button", name="Restaurer cette version").click()
    done = page.get_by_text("restaurée (nouvelle version", exact=False).first
    done.wait_for(timeout=90_000)
    wait_for_app(page)
    page.screenshot(path=str(artifacts_dir / "donnees_restauration.png"), full_page=True)
    assert "lignes)" in done.inner_text()


def test_broken_file_lists_every_problem(page, app_url, artifacts_dir) -> None:
    _open(page, app_url)
    _upload(page, "structures_casse.csv", BAD)
    # The type is not guessed from this name: pick it.
    page.get_by_text("fichier refusé", exact=False).or_(
        page.get_by_text("Choisissez le type", exact=False)
    ).first.wait_for(timeout=90_000)
    if page.get_by_text("Choisissez le type", exact=False).count():
        page.get_by_label("Type de données").first.click()
        page.get_by_role(
            "option", name="Structures : EAJE, RPE, LAEP, ALSH, centres sociaux, EVS"
        ).click()
    page.get_by_text("fichier refusé, rien n'a été importé", exact=False).first.wait_for(
        timeout=90_000
    )
    page.screenshot(path=str(artifacts_dir / "donnees_rapport_erreurs.png"), full_page=True)
    assert page.get_by_role("button", name="Enregistrer dans l'espace de travail").count() == 0
    assert page.get_by_text("3 erreur(s)", exact=False).count() >= 1


def test_schema_tab_and_example_download(page, app_url, artifacts_dir) -> None:
    page.goto(f"{app_url}/donnees")
    wait_for_app(page)
    page.get_by_role("tab", name="Schémas et exemples").click()
    button = page.get_by_role("button", name="Télécharger un fichier d'exemple (CSV ;)")
    button.wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts_dir / "donnees_schemas.png"))
    with page.expect_download() as info:
        button.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0].startswith("annee;niveau;code;nom;edition;tx_")
    page.get_by_role("tab", name="Sources et crédits").click()
    page.screenshot(path=str(artifacts_dir / "donnees_sources.png"))
