/* test-chart.c: the chart view in a real window against a real store, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-chart"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "hc-chart-view-private.h"
#include "hc-json.h"
#include "hc-store.h"
#include "hc-test-utils.h"
#include "hc-test-ui.h"
#include "hc-trend-plot.h"
#include "hc-window-private.h"

typedef struct
{
  char        *dir;
  HcStore     *store;
  HcWindow    *window;
  HcChartView *chart;
} Fixture;

/* The test patient's chart, as if it had come from the server: every record confirmed. */
static void
apply_as_synced (HcStore *store)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "ui", "chart-patient.ndjson", NULL);
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonArray) entries = json_array_new ();
  g_autoptr(GError) error = NULL;
  HcStoreApplyStats stats = { 0 };

  g_assert_true (g_file_get_contents (path, &data, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonObject) resource = NULL;
      JsonObject *entry, *request, *response;
      g_autofree char *url = NULL;

      if (*lines[i] == '\0')
        continue;
      resource = hc_test_object (lines[i]);
      url = g_strdup_printf ("%s/%s", hc_json_get_string (resource, "resourceType"),
                             hc_json_get_string (resource, "id"));
      entry = json_object_new ();
      request = json_object_new ();
      json_object_set_string_member (request, "method", "PUT");
      json_object_set_string_member (request, "url", url);
      response = json_object_new ();
      json_object_set_string_member (response, "etag", "W/\"1\"");
      json_object_set_object_member (entry, "resource", g_steal_pointer (&resource));
      json_object_set_object_member (entry, "request", request);
      json_object_set_object_member (entry, "response", response);
      json_array_add_object_element (entries, entry);
    }
  g_assert_true (hc_store_apply_remote_sync (store, entries, NULL, NULL, FALSE, NULL, NULL,
                                             &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.applied, ==, json_array_get_length (entries));
}

/* A dose change made on this computer and not yet sent. */
#define METFORMIN_LOCAL \
  "{\"resourceType\":\"MedicationRequest\",\"id\":\"m-metformin\",\"status\":\"active\"," \
  "\"intent\":\"order\",\"medicationCodeableConcept\":{\"text\":\"Metformin 1000 mg oral tablet\"}," \
  "\"subject\":{\"reference\":\"Patient/p-weber\"},\"authoredOn\":\"2025-03-02\"," \
  "\"dosageInstruction\":[{\"text\":\"Take 1 tablet by mouth twice daily with meals.\"}]}"

static void
wait_for_load (HcChartView *chart,
               guint        serial)
{
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_chart_view_get_load_serial, chart, serial,
                          "loading the chart");
}

/* The window has its size, and so the leaflet knows whether it is folded: a search can finish
 * before the first layout. */
static gboolean
laid_out (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) > 0;
}

/* Finds @query in the list, opens the only match and waits for its chart. */
static void
open_chart (Fixture    *f,
            const char *query)
{
  guint serial = _hc_chart_view_get_load_serial (f->chart);

  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_window_get_search_serial, f->window, 0,
                          "the first search");
  hc_test_ui_wait_until (f->window, laid_out, "the first layout");
  gtk_editable_set_text (_hc_window_get_search_entry (f->window), query);
  while (g_strcmp0 (_hc_window_get_completed_query (f->window), query) != 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (_hc_window_get_results (f->window)), ==, 1);
  g_signal_emit_by_name (_hc_window_get_list_view (f->window), "activate", 0);
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "patient");
  wait_for_load (f->chart, serial);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hc-test-chart-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, "test passphrase", NULL, &error);
  g_assert_no_error (error);
  apply_as_synced (f->store);
  hc_test_ui_put (f->store, METFORMIN_LOCAL);
  /* a patient whose allergies nobody asked about, and one who has none */
  hc_test_ui_put (f->store,
                  "{\"resourceType\":\"Patient\",\"id\":\"p-unasked\",\"name\":[{\"family\":"
                  "\"Okafor\",\"given\":[\"Chiamaka\"]}],\"gender\":\"female\","
                  "\"birthDate\":\"1998-11-16\"}");
  hc_test_ui_put (f->store,
                  "{\"resourceType\":\"Patient\",\"id\":\"p-nka\",\"name\":[{\"family\":"
                  "\"Nguyen\",\"given\":[\"Minh\"]}],\"gender\":\"male\","
                  "\"birthDate\":\"1979-01-08\"}");
  hc_test_ui_put (f->store,
                  "{\"resourceType\":\"AllergyIntolerance\",\"id\":\"a-nka\",\"clinicalStatus\":"
                  "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
                  "allergyintolerance-clinical\",\"code\":\"active\"}]},\"code\":{\"coding\":"
                  "[{\"system\":\"http://snomed.info/sct\",\"code\":\"716186003\",\"display\":"
                  "\"No known allergy\"}]},\"patient\":{\"reference\":\"Patient/p-nka\"}}");
  hc_test_ui_drain ();

  f->window = g_object_ref (hc_window_new (NULL, f->store));
  /* the smallest screen the chart is made for, unless the test asks for a narrower window */
  gtk_window_set_default_size (GTK_WINDOW (f->window), data ? GPOINTER_TO_INT (data) : 1024, 600);
  gtk_window_present (GTK_WINDOW (f->window));
  f->chart = _hc_window_get_chart_view (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  hc_test_ui_wait_finalized (f->store);
  hc_test_ui_remove_dir (f->dir);
  g_free (f->dir);
}

/* Shows @page and asserts the text it shows contains each of the NULL-terminated strings. */
static char *
show_page (Fixture    *f,
           const char *page)
{
  g_autofree char *shot = g_strconcat ("chart-", page, NULL);

  adw_view_stack_set_visible_child_name (_hc_chart_view_get_stack (f->chart), page);
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), shot);
  return _hc_chart_view_get_page_text (f->chart, page);
}

/* Scrolls the page that holds @widget so that @widget is at its top. */
static void
scroll_to (GtkWidget *widget)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  GtkWidget *content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled));
  double x, y;

  g_assert_true (gtk_widget_translate_coordinates (widget, content, 0, 0, &x, &y));
  gtk_adjustment_set_value (adjustment, y - 40);
}

static void
assert_before (const char *text,
               const char *first,
               const char *second)
{
  const char *a = strstr (text, first);
  const char *b = strstr (text, second);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a - text, <, b - text);
}

static guint
count_lines_with (const char *text,
                  const char *what)
{
  guint n = 0;

  for (const char *p = strstr (text, what); p != NULL; p = strstr (p + 1, what))
    n++;
  return n;
}

static void
test_header (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *all = NULL;
  const char *allergies;

  open_chart (f, "weber");
  g_assert_cmpstr (_hc_chart_view_get_name (f->chart), ==, "Weber, Karl");
  all = _hc_chart_view_get_all_text (f->chart);
  g_assert_nonnull (strstr (all, "1958-02-14"));
  g_assert_nonnull (strstr (all, "Male"));
  g_assert_nonnull (strstr (all, "MRN 300400"));

  /* both allergies, the high-criticality one first and emphasised */
  allergies = _hc_chart_view_get_allergy_text (f->chart);
  assert_before (allergies, "Penicillin (high risk: Anaphylaxis)", "Sulfonamide antibiotics (Rash)");
  g_assert_cmpstr (_hc_chart_view_get_allergy_style (f->chart), ==, "allergy-high");
}

static void
test_allergy_banner_states (Fixture       *f,
                            gconstpointer  data)
{
  open_chart (f, "okafor");
  g_assert_nonnull (strstr (_hc_chart_view_get_allergy_text (f->chart), "Allergies not recorded"));
  g_assert_cmpstr (_hc_chart_view_get_allergy_style (f->chart), ==, "allergy-unknown");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "chart-allergies-not-recorded");
  {
    /* an empty chart says so once per section, without empty tiles or plots */
    g_autofree char *summary = _hc_chart_view_get_page_text (f->chart, "summary");

    g_assert_nonnull (strstr (summary, "No vitals recorded"));
    g_assert_null (strstr (summary, "Trends"));
    g_assert_null (_hc_chart_view_get_plot (f->chart, "weight"));
  }

  open_chart (f, "nguyen");
  g_assert_cmpstr (_hc_chart_view_get_allergy_text (f->chart), ==, "No known allergies");
  g_assert_cmpstr (_hc_chart_view_get_allergy_style (f->chart), ==, "allergy-none");
}

static void
test_tabs (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *summary = NULL;
  g_autofree char *encounters = NULL;
  g_autofree char *orders = NULL;
  g_autofree char *prescriptions = NULL;
  g_autofree char *results = NULL;
  g_autofree char *notes = NULL;
  HcTrendPlot *weight, *bp, *a1c;

  open_chart (f, "weber");

  summary = show_page (f, "summary");
  /* active problems only: the resolved bronchitis is not one */
  g_assert_nonnull (strstr (summary, "Type 2 diabetes mellitus"));
  g_assert_nonnull (strstr (summary, "Essential hypertension"));
  g_assert_null (strstr (summary, "Acute bronchitis"));
  g_assert_nonnull (strstr (summary, "Reaction: Anaphylaxis"));
  g_assert_nonnull (strstr (summary, "High risk"));
  /* current medications, not the stopped one */
  g_assert_nonnull (strstr (summary, "Metformin 1000 mg oral tablet"));
  g_assert_nonnull (strstr (summary, "Amlodipine"));
  g_assert_null (strstr (summary, "Ramipril"));
  /* the latest vitals */
  g_assert_nonnull (strstr (summary, "82 kg"));
  g_assert_nonnull (strstr (summary, "128/82 mmHg"));
  g_assert_nonnull (strstr (summary, "72 bpm"));
  g_assert_nonnull (strstr (summary, "26.8 kg/m²"));
  g_assert_nonnull (strstr (summary, "6.9 %"));

  weight = _hc_chart_view_get_plot (f->chart, "weight");
  bp = _hc_chart_view_get_plot (f->chart, "blood-pressure");
  a1c = _hc_chart_view_get_plot (f->chart, "hba1c");
  g_assert_cmpuint (hc_trend_plot_get_n_points (weight, 0), ==, 6);
  g_assert_cmpuint (hc_trend_plot_get_n_points (bp, 0), ==, 6);
  g_assert_cmpuint (hc_trend_plot_get_n_points (bp, 1), ==, 6);
  g_assert_cmpuint (hc_trend_plot_get_n_points (a1c, 0), ==, 4);
  /* within the weights' span: ramipril's start and stop, metformin's and amlodipine's start */
  g_assert_cmpuint (hc_trend_plot_get_n_markers (weight), ==, 4);
  g_assert_true (g_str_has_prefix (hc_trend_plot_get_description (weight),
                                   "Weight, 6 readings, latest 82.0 kg on 2026-10-02, down from "
                                   "82.5 kg"));
  g_assert_true (g_str_has_prefix (hc_trend_plot_get_description (bp),
                                   "Blood pressure, 6 readings, latest 128/82 mmHg on 2026-10-02, "
                                   "down from 132/84 mmHg"));
  g_assert_nonnull (strstr (hc_trend_plot_get_description (a1c), "Metformin started 2025-03-02"));
  scroll_to (gtk_widget_get_parent (GTK_WIDGET (weight)));
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "chart-summary-trends");
  /* the plots read in the dark style too */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "chart-summary-trends-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* the dose change made here waits to be sent: marked, and only that record */
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "summary", "sync-local"), ==, 1);

  encounters = show_page (f, "encounters");
  assert_before (encounters, "2026-10-02 · Chronic care follow-up", "2025-01-10 · Same-day sick visit");
  g_assert_nonnull (strstr (encounters, "Reason: Diabetes follow-up"));
  g_assert_nonnull (strstr (encounters,
                            "Diagnoses: Type 2 diabetes mellitus; Essential hypertension"));
  g_assert_nonnull (strstr (encounters, "Diagnoses: Acute bronchitis"));
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "encounters", "sync-local"), ==, 0);

  orders = show_page (f, "orders");
  assert_before (orders, "HbA1c", "Lipid panel");
  g_assert_cmpuint (count_lines_with (orders, "Urgent"), ==, 1);
  g_assert_nonnull (strstr (orders, "Active"));
  g_assert_nonnull (strstr (orders, "Completed"));

  prescriptions = show_page (f, "prescriptions");
  assert_before (prescriptions, "Current", "Metformin 1000 mg oral tablet");
  assert_before (prescriptions, "Past", "Ramipril 5 mg oral capsule");
  g_assert_nonnull (strstr (prescriptions, "Stopped"));
  g_assert_nonnull (strstr (prescriptions, "valid until 2025-09-01"));
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "prescriptions", "sync-local"), ==, 1);

  results = show_page (f, "results");
  g_assert_nonnull (strstr (results, "Basic metabolic panel"));
  g_assert_nonnull (strstr (results, "5.9 mmol/L"));
  g_assert_nonnull (strstr (results, "Reference 3.5–5.1 mmol/L"));
  /* potassium is high by its reference range, the latest HbA1c by its interpretation (the
   * earlier ones are listed on its row); the glucose is normal */
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "results", "abnormal-flag"), ==, 2);
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "results", "abnormal"), ==, 2);
  /* LOINC long names shortened to what a physician reads */
  g_assert_nonnull (strstr (results, "Hemoglobin A1c\n"));
  g_assert_null (strstr (results, "Hemoglobin.total"));
  g_assert_nonnull (strstr (results, "Potassium\n"));
  g_assert_nonnull (strstr (results, "Earlier: 7.2 % H (2026-03-15), 7.6 % H (2025-09-01), "
                                     "8.1 % H (2025-03-02)"));

  notes = show_page (f, "notes");
  assert_before (notes, "Phone consultation", "Progress note");
  g_assert_nonnull (strstr (notes, "Dr. Amelia Hartmann · Signed 2026-10-02"));
  g_assert_nonnull (strstr (notes, "Preliminary"));
  g_assert_nonnull (strstr (notes, "Addendum · 2026-10-03"));
  g_assert_nonnull (strstr (notes, "ramipril was stopped for cough"));
  g_assert_nonnull (strstr (notes, "Potassium high & to be repeated."));
}

/* Folded on a narrow window, the chart fills the window and nothing sticks out of it. */
static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *chart = GTK_WIDGET (f->chart);
  g_autofree char *summary = NULL;

  open_chart (f, "weber");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "chart-narrow");
  g_assert_true (gtk_widget_get_mapped (chart));
  g_assert_cmpint (gtk_widget_get_width (chart), <=, GPOINTER_TO_INT (data));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, GPOINTER_TO_INT (data) + 2);
  summary = _hc_chart_view_get_page_text (f->chart, "summary");
  g_assert_nonnull (strstr (summary, "Type 2 diabetes mellitus"));
  adw_view_stack_set_visible_child_name (_hc_chart_view_get_stack (f->chart), "results");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "chart-narrow-results");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, GPOINTER_TO_INT (data) + 2);
}

static GtkWidget *
find_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A long timeline lists the newest 25 encounters; "Show More" adds the rest. */
static void
test_long_timeline (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GString) ndjson = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  AdwViewStack *stack;
  GtkWidget *more;

  for (guint i = 0; i < 58; i++)
    g_string_append_printf (ndjson, "{\"resourceType\":\"Encounter\",\"id\":\"e-old-%u\","
                            "\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                            "\"type\":[{\"text\":\"Old visit\"}],"
                            "\"subject\":{\"reference\":\"Patient/p-weber\"},"
                            "\"period\":{\"start\":\"2010-01-%02u\"}}\n", i, 1 + i % 28);
  g_assert_true (hc_store_import_data_sync (f->store, ndjson->str, -1, NULL, NULL, &error));
  g_assert_no_error (error);
  open_chart (f, "weber");

  stack = _hc_chart_view_get_stack (f->chart);
  adw_view_stack_set_visible_child_name (stack, "encounters");
  before = _hc_chart_view_get_page_text (f->chart, "encounters");
  /* the two recent ones and 23 old ones */
  g_assert_cmpuint (count_lines_with (before, "Old visit"), ==, 23);
  g_assert_nonnull (strstr (before, "2026-10-02 · Chronic care follow-up"));
  g_assert_nonnull (strstr (before, "Show 35 Older Records"));

  more = find_button (adw_view_stack_get_child_by_name (stack, "encounters"));
  g_assert_nonnull (more);
  g_signal_emit_by_name (more, "clicked");
  after = _hc_chart_view_get_page_text (f->chart, "encounters");
  g_assert_cmpuint (count_lines_with (after, "Old visit"), ==, 58);
  g_assert_null (strstr (after, "Older Record"));
}

static gboolean
is_locked (gpointer data)
{
  return g_strcmp0 (_hc_window_get_main_state (data), "locked") == 0;
}

static void
test_lock_clears (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *all = NULL;

  open_chart (f, "weber");
  /* build every tab, so each has patient data to lose */
  for (guint i = 0; i < 6; i++)
    {
      static const char * const pages[] = { "summary", "encounters", "orders", "prescriptions",
                                            "results", "notes" };
      g_autofree char *text = _hc_chart_view_get_page_text (f->chart, pages[i]);
      g_assert_cmpstr (text, !=, "");
    }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "store.lock", NULL));
  hc_test_ui_wait_until (f->window, is_locked, "locking");
  all = _hc_chart_view_get_all_text (f->chart);
  g_assert_null (strstr (all, "Weber"));
  g_assert_null (strstr (all, "300400"));
  g_assert_null (strstr (all, "Penicillin"));
  g_assert_null (strstr (all, "diabetes"));
  g_assert_null (strstr (all, "Metformin"));
  g_assert_null (strstr (all, "Potassium"));
  g_assert_null (strstr (all, "ramipril"));
  g_assert_null (hc_chart_view_get_patient (f->chart));
  g_assert_null (_hc_chart_view_get_plot (f->chart, "weight"));
}

static void
test_store_change_reloads (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *summary = NULL;
  guint serial, checks;

  open_chart (f, "weber");
  serial = _hc_chart_view_get_load_serial (f->chart);
  hc_test_ui_put (f->store,
                  "{\"resourceType\":\"Condition\",\"id\":\"c-gout\",\"clinicalStatus\":{\"coding\":"
                  "[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-clinical\","
                  "\"code\":\"active\"}]},\"code\":{\"text\":\"Gout\"},"
                  "\"subject\":{\"reference\":\"Patient/p-weber\"},\"onsetDateTime\":\"2026-11-01\"}");
  wait_for_load (f->chart, serial);
  summary = _hc_chart_view_get_page_text (f->chart, "summary");
  g_assert_nonnull (strstr (summary, "Gout"));
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "summary", "sync-local"), ==, 2);

  /* a dialog that wrote asks for a reload */
  serial = _hc_chart_view_get_load_serial (f->chart);
  hc_window_reload_chart (f->window);
  wait_for_load (f->chart, serial);

  /* another patient's record (a sync applying a page of others): the chart is checked, not
   * read again and rebuilt */
  serial = _hc_chart_view_get_load_serial (f->chart);
  checks = _hc_chart_view_get_check_serial (f->chart);
  hc_test_ui_put (f->store,
                  "{\"resourceType\":\"Condition\",\"id\":\"c-other\",\"code\":{\"text\":\"Asthma\"},"
                  "\"subject\":{\"reference\":\"Patient/p-someone-else\"}}");
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_chart_view_get_check_serial, f->chart, checks,
                          "checking the chart");
  g_assert_cmpuint (_hc_chart_view_get_load_serial (f->chart), ==, serial);

  /* a change of one of this patient's records reloads it */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (hc_store_delete_sync (f->store, "Condition", "c-gout", NULL, &error));
    g_assert_no_error (error);
  }
  wait_for_load (f->chart, serial);
  g_clear_pointer (&summary, g_free);
  summary = _hc_chart_view_get_page_text (f->chart, "summary");
  g_assert_null (strstr (summary, "Gout"));

  /* a push on its way: what was changed here shows as sent, not as saved here only; a change
   * made after it is saved here only */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonArray) outbox = hc_store_list_outbox_sync (f->store, NULL, &error);
    JsonObject *last;

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (outbox), >, 0);
    last = json_array_get_object_element (outbox, json_array_get_length (outbox) - 1);
    serial = _hc_chart_view_get_load_serial (f->chart);
    g_assert_true (hc_store_mark_sent_sync (f->store, json_object_get_int_member (last, "seq"),
                                            NULL, &error));
    g_assert_no_error (error);
  }
  wait_for_load (f->chart, serial);
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "summary", "sync-local"), ==, 0);
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "summary", "sync-sent"), ==, 1);
  serial = _hc_chart_view_get_load_serial (f->chart);
  hc_test_ui_put (f->store,
                  "{\"resourceType\":\"Condition\",\"id\":\"c-gout-2\",\"clinicalStatus\":{\"coding\":"
                  "[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-clinical\","
                  "\"code\":\"active\"}]},\"code\":{\"text\":\"Gout\"},"
                  "\"subject\":{\"reference\":\"Patient/p-weber\"},\"onsetDateTime\":\"2026-11-02\"}");
  wait_for_load (f->chart, serial);
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "summary", "sync-local"), ==, 1);
  g_assert_cmpuint (_hc_chart_view_count_class (f->chart, "summary", "sync-sent"), ==, 1);
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "chart-sync-states");
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* screenshots of the finished layout, not of a transition */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

#define ADD(path, func) \
  g_test_add ("/hc/ui/chart/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add ("/hc/ui/chart/narrow", Fixture, GINT_TO_POINTER (480), fixture_setup, test_narrow,
              fixture_teardown);
  ADD ("header", test_header);
  ADD ("allergy-banner-states", test_allergy_banner_states);
  ADD ("tabs", test_tabs);
  ADD ("lock-clears", test_lock_clears);
  ADD ("store-change-reloads", test_store_change_reloads);
  ADD ("long-timeline", test_long_timeline);
#undef ADD

  return g_test_run ();
}
