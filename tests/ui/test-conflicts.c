/* test-conflicts.c: the conflict inbox with real conflicts from a real server, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-conflicts"

#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "hc-chart-view-private.h"
#include "hc-entry-row.h"
#include "hc-patient.h"
#include "hc-patient-editor-private.h"
#include "hc-record-text.h"
#include "hc-store.h"
#include "hc-sync-engine.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

static HcTestServer server;

typedef struct
{
  char     *dir;
  char     *other_dir;
  HcStore  *store;
  HcStore  *other;      /* a colleague's computer */
  HcWindow *window;
} Fixture;

#define PATIENT(birth) \
  "{\"resourceType\":\"Patient\",\"id\":\"p-berg\"," \
  " \"name\":[{\"use\":\"official\",\"family\":\"Berg\",\"given\":[\"Anna\",\"Maria\"]}]," \
  " \"gender\":\"female\",\"birthDate\":\"" birth "\"," \
  " \"telecom\":[{\"system\":\"phone\",\"value\":\"+49 30 5550101\",\"use\":\"home\"}]}"

/* PATIENT with the colleague's new mobile number */
#define PATIENT_WITH_MOBILE(birth) \
  "{\"resourceType\":\"Patient\",\"id\":\"p-berg\"," \
  " \"name\":[{\"use\":\"official\",\"family\":\"Berg\",\"given\":[\"Anna\",\"Maria\"]}]," \
  " \"gender\":\"female\",\"birthDate\":\"" birth "\"," \
  " \"telecom\":[{\"system\":\"phone\",\"value\":\"+49 30 5550199\",\"use\":\"mobile\"}]}"

#define ALLERGY(drug) \
  "{\"resourceType\":\"AllergyIntolerance\",\"id\":\"a-berg\"," \
  " \"clinicalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical\",\"code\":\"active\"}]}," \
  " \"code\":{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"" drug "\",\"display\":\"" drug "\"}]}," \
  " \"criticality\":\"high\",\"patient\":{\"reference\":\"Patient/p-berg\"}," \
  " \"recorder\":{\"display\":\"Dr. Weber\"}}"

#define PRESCRIPTION(dose, times) \
  "{\"resourceType\":\"MedicationRequest\",\"id\":\"rx-berg\",\"status\":\"active\",\"intent\":\"order\"," \
  " \"medicationCodeableConcept\":{\"text\":\"Ibuprofen 400 mg tablets\"}," \
  " \"subject\":{\"reference\":\"Patient/p-berg\"},\"authoredOn\":\"2026-11-20\"," \
  " \"requester\":{\"display\":\"Dr. Weber\"}," \
  " \"dosageInstruction\":[{\"sequence\":1,\"timing\":{\"repeat\":{\"frequency\":" times ",\"period\":1,\"periodUnit\":\"d\"}}," \
  "   \"doseAndRate\":[{\"doseQuantity\":{\"value\":" dose ",\"unit\":\"mg\"}}]}]}"

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = hc_test_tmpdir ("hc-test-conflicts");
  f->other_dir = hc_test_tmpdir ("hc-test-conflicts-other");
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  f->other = hc_store_open_sync (f->other_dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL,
                                 &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (f->window));
      hc_test_ui_wait_finalized (f->window);
    }
  hc_test_ui_wait_finalized (f->store);
  hc_test_ui_wait_finalized (f->other);
  hc_test_ui_remove_dir (f->dir);
  hc_test_ui_remove_dir (f->other_dir);
  g_free (f->dir);
  g_free (f->other_dir);
}

/* The colleague and this computer both change a record the server has: each record of
 * @base is synced to both, then @theirs reaches the server first and @mine conflicts. */
static void
make_conflicts (Fixture            *f,
                const char * const *base,
                const char * const *theirs,
                const char * const *mine)
{
  hc_test_ui_log_in (f->other, &server);
  hc_test_ui_log_in (f->store, &server);
  for (guint i = 0; base[i] != NULL; i++)
    hc_test_ui_put (f->other, base[i]);
  hc_test_ui_sync_once (f->other);
  hc_test_ui_sync_once (f->store);
  for (guint i = 0; theirs[i] != NULL; i++)
    hc_test_ui_put (f->other, theirs[i]);
  hc_test_ui_sync_once (f->other);
  for (guint i = 0; mine[i] != NULL; i++)
    hc_test_ui_put (f->store, mine[i]);
  hc_test_ui_sync_once (f->store);
}

static gboolean
has_conflict_badge (gpointer data)
{
  return gtk_widget_get_visible (_hc_window_get_conflicts_button (data));
}

static guint wait_serial;

static gboolean
loaded_since (gpointer data)
{
  return _hc_conflict_view_get_serial (data) > wait_serial;
}

static void
wait_for_load (HcConflictView *view,
               guint           serial)
{
  wait_serial = serial;
  hc_test_ui_wait_until (view, loaded_since, "loading the conflict inbox");
}

/* Opens a window on the store, waits for the badge and opens the inbox. */
static HcConflictView *
open_inbox (Fixture *f)
{
  HcConflictView *view;
  guint serial;

  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1180, 760);
  gtk_window_present (GTK_WINDOW (f->window));
  hc_test_ui_wait_until (f->window, has_conflict_badge, "the conflict badge");
  view = _hc_window_get_conflict_view (f->window);
  serial = _hc_conflict_view_get_serial (view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "conflicts.show", NULL));
  wait_for_load (view, serial);
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "conflicts");
  return view;
}


/* The row titled @title, selected; fails when there is none. */
static void
select_row (HcConflictView *view,
            const char     *title)
{
  GtkListBox *list = _hc_conflict_view_get_list (view);
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
      {
        gtk_list_box_select_row (list, row);
        g_assert_cmpstr (_hc_conflict_view_get_title (view), ==, title);
        return;
      }
  g_error ("no conflict row titled %s", title);
}

static const char *
subtitle_of (HcConflictView *view,
             const char     *title)
{
  GtkListBox *list = _hc_conflict_view_get_list (view);
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
      return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  return NULL;
}

static JsonObject *
get_resource (HcStore    *store,
              const char *type,
              const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *resource = hc_store_get_sync (store, type, id, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (resource);
  return resource;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Keep Mine or Keep Theirs as from the keyboard (its mnemonic, with the focus on it): the focus
 * then lands where the keyboard can go on, never on a disabled or hidden button. */
static void
resolve_from_keyboard (HcConflictView *view,
                       const char     *action)
{
  GtkWidget *button = find_button (GTK_WIDGET (view), action);
  guint serial = _hc_conflict_view_get_serial (view);
  GtkWidget *focus;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_grab_focus (button));
  g_assert_true (gtk_widget_mnemonic_activate (button, FALSE));
  wait_for_load (view, serial);
  focus = gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (view)));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_sensitive (focus));
  g_assert_true (gtk_widget_is_drawable (focus));
  if (hc_conflict_view_get_count (view) > 0)
    /* on the next conflict */
    g_assert_true (focus == GTK_WIDGET (gtk_list_box_get_selected_row (_hc_conflict_view_get_list (view))));
  else
    {
      /* none left: back to finding patients (the focus is in the search entry's text) */
      GtkWidget *search = GTK_WIDGET (_hc_window_get_search_entry (
                                        HC_WINDOW (gtk_widget_get_root (GTK_WIDGET (view)))));

      g_assert_true (focus == search || gtk_widget_is_ancestor (focus, search));
    }
}

static gboolean
is_idle (gpointer data)
{
  HcSyncEngine *engine = _hc_window_get_sync_engine (data);

  return engine != NULL && hc_sync_engine_get_state (engine) == HC_SYNC_STATE_IDLE &&
         hc_sync_engine_get_pending_count (engine) == 0;
}

/* The position of Patient/@id in the window's list, or -1. */
static int
position_of (HcWindow   *window,
             const char *id)
{
  GListModel *results = _hc_window_get_results (window);

  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(HcPatient) patient = g_list_model_get_item (results, i);

      if (g_strcmp0 (hc_patient_get_id (patient), id) == 0)
        return (int) i;
    }
  return -1;
}

static int
position_of_patient (HcWindow *window)
{
  return position_of (window, "p-berg-2");
}

static guint chart_serial;

static gboolean
chart_loaded_since (gpointer data)
{
  return _hc_chart_view_get_load_serial (_hc_window_get_chart_view (data)) > chart_serial;
}

/* Opens Patient/@id's chart from the list, as Enter on its row does, and waits for it. */
static void
open_chart (HcWindow   *window,
            const char *id)
{
  int position = position_of (window, id);

  g_assert_cmpint (position, >=, 0);
  chart_serial = _hc_chart_view_get_load_serial (_hc_window_get_chart_view (window));
  g_signal_emit_by_name (_hc_window_get_list_view (window), "activate", (guint) position);
  hc_test_ui_wait_until (window, chart_loaded_since, "the chart");
}

static gboolean
lists_patient (gpointer data)
{
  return position_of_patient (data) >= 0;
}

static guint sync_serial;

static gboolean
synced_since (gpointer data)
{
  return _hc_window_get_sync_serial (data) > sync_serial;
}

/* Ctrl+R, and wait for that sync */
static void
sync_now (HcWindow *window)
{
  sync_serial = _hc_window_get_sync_serial (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "sync.now", NULL));
  hc_test_ui_wait_until (window, synced_since, "Sync now");
}

/* A colleague's change to the open chart: a toast says what changed and whether it was
 * merged with a change made here; a change to another patient's chart says nothing. */
/* A patient's birth date, an allergy's substance and a prescription's dose changed on two
 * computers: the inbox names the patient and the kind of record, labels each element and
 * shows values in words; Keep Mine, Keep Theirs and Edit Merged settle them. */
static void
test_readable (Fixture       *f,
               gconstpointer  data)
{
  const char *base[] = { PATIENT ("1950-01-01"), ALLERGY ("Penicillin V"),
                         PRESCRIPTION ("400", "3"), NULL };
  /* the colleague also gave a new phone number: no conflict, kept whichever is chosen */
  const char *theirs[] = { PATIENT_WITH_MOBILE ("1951-02-02"), ALLERGY ("Penicillin G"),
                           PRESCRIPTION ("400", "2"), NULL };
  const char *mine[] = { PATIENT ("1960-06-06"), ALLERGY ("Amoxicillin"),
                         PRESCRIPTION ("800", "3"), NULL };
  g_autoptr(JsonObject) patient = NULL;
  g_autoptr(JsonObject) allergy = NULL;
  g_autoptr(JsonObject) prescription = NULL;
  g_autofree char *differences = NULL;
  HcConflictView *view;
  GtkWidget *dialog;
  GtkWidget *entry;
  guint serial;

  if (server.url == NULL)
    {
      g_test_skip ("HOUSECALL_SERVER is not set");
      return;
    }

  make_conflicts (f, base, theirs, mine);
  view = open_inbox (f);
  g_assert_cmpuint (hc_conflict_view_get_count (view), ==, 3);

  g_assert_cmpstr (subtitle_of (view, "Patient details for Anna Maria Berg"), ==,
                   "Differs in: Birth date");
  g_assert_cmpstr (subtitle_of (view, "Allergy for Anna Maria Berg"), ==,
                   "Differs in: Substance");
  g_assert_cmpstr (subtitle_of (view, "Prescription for Anna Maria Berg"), ==,
                   "Differs in: Dose");

  /* the chart marks the allergy and the prescription, and names all three */
  open_chart (f->window, "p-berg");
  g_assert_cmpuint (_hc_chart_view_count_class (_hc_window_get_chart_view (f->window), "summary",
                                                "sync-conflict"), ==, 2);
  g_assert_true (g_str_has_prefix (_hc_chart_view_get_conflict_text (
                                     _hc_window_get_chart_view (f->window)), "In conflict: "));
  for (guint i = 0; i < 3; i++)
    g_assert_nonnull (strstr (_hc_chart_view_get_conflict_text (
                                _hc_window_get_chart_view (f->window)),
                              (const char *[]) { "Patient details", "Allergy",
                                                 "Prescription" }[i]));
  /* a record in the inbox takes no edits, and the editor says where to settle it */
  {
    HcPatientEditor *editor;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.edit-patient", NULL));
    editor = HC_PATIENT_EDITOR (hc_test_ui_find_window (HC_TYPE_PATIENT_EDITOR));
    g_assert_nonnull (editor);
    serial = _hc_patient_editor_get_serial (editor);
    hc_test_ui_wait_serial ((HcTestUiSerial) _hc_patient_editor_get_serial, editor, serial,
                            "loading the patient");
    serial = _hc_patient_editor_get_serial (editor);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
    hc_test_ui_wait_serial ((HcTestUiSerial) _hc_patient_editor_get_serial, editor, serial,
                            "saving the patient");
    g_assert_nonnull (_hc_patient_editor_get_error (editor));
    g_assert_nonnull (strstr (_hc_patient_editor_get_error (editor), "waits in the conflict inbox"));
    hc_test_ui_save_screenshot (GTK_WIDGET (editor), "patient-editor-conflict");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "window.close", NULL));
  }
  serial = _hc_conflict_view_get_serial (view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "conflicts.show", NULL));
  wait_for_load (view, serial);

  select_row (view, "Prescription for Anna Maria Berg");
  differences = _hc_conflict_view_describe_differences (view);
  g_assert_cmpstr (differences, ==,
                   "Dose: 800 mg, 3 times a day | 400 mg, 2 times a day\n");
  hc_test_ui_save_screenshots (GTK_WIDGET (f->window), "conflict-inbox");
  g_clear_pointer (&differences, g_free);

  select_row (view, "Allergy for Anna Maria Berg");
  differences = _hc_conflict_view_describe_differences (view);
  g_assert_cmpstr (differences, ==, "Substance: Amoxicillin | Penicillin G\n");
  g_clear_pointer (&differences, g_free);
  /* not text a person writes: no Edit Merged */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (view), "conflicts.edit-merged", NULL) &&
                  _hc_conflict_view_get_edit_dialog (view) != NULL);
  resolve_from_keyboard (view, "conflicts.keep-theirs");
  g_assert_cmpuint (hc_conflict_view_get_count (view), ==, 2);
  allergy = get_resource (f->store, "AllergyIntolerance", "a-berg");
  differences = hc_record_text_value ("code", json_object_get_member (allergy, "code"));
  g_assert_cmpstr (differences, ==, "Penicillin G");
  g_clear_pointer (&differences, g_free);

  select_row (view, "Patient details for Anna Maria Berg");
  differences = _hc_conflict_view_describe_differences (view);
  g_assert_cmpstr (differences, ==, "Birth date: 6 Jun 1960 | 2 Feb 1951\n");
  g_clear_pointer (&differences, g_free);
  differences = _hc_conflict_view_describe_kept (view);
  g_assert_cmpstr (differences, ==, "Phone: +49 30 5550199 (mobile) — from the server\n");
  hc_test_ui_save_screenshots (GTK_WIDGET (f->window), "conflict-inbox-kept");
  /* a birth date is text: Edit Merged, starting from mine */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "conflicts.edit-merged", NULL));
  dialog = _hc_conflict_view_get_edit_dialog (view);
  g_assert_nonnull (dialog);
  entry = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog)));
  g_assert_true (HC_IS_ENTRY_ROW (entry));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (entry)), ==, "Birth date (YYYY-MM-DD)");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "1960-06-06");
  hc_test_ui_save_screenshot (dialog, "conflict-edit-merged");
  gtk_editable_set_text (GTK_EDITABLE (entry), "1951-02-20");
  serial = _hc_conflict_view_get_serial (view);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "save");
  wait_for_load (view, serial);
  g_assert_cmpuint (hc_conflict_view_get_count (view), ==, 1);
  patient = get_resource (f->store, "Patient", "p-berg");
  g_assert_cmpstr (json_object_get_string_member (patient, "birthDate"), ==, "1951-02-20");
  /* the merged version written here keeps the colleague's new number */
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (
                       json_object_get_array_member (patient, "telecom"), 0), "value"), ==,
                   "+49 30 5550199");

  /* the last one: Keep Mine, and the inbox is empty */
  g_assert_cmpstr (_hc_conflict_view_get_title (view), ==, "Prescription for Anna Maria Berg");
  resolve_from_keyboard (view, "conflicts.keep-mine");
  g_assert_cmpuint (hc_conflict_view_get_count (view), ==, 0);
  g_assert_null (gtk_list_box_get_row_at_index (_hc_conflict_view_get_list (view), 0));
  prescription = get_resource (f->store, "MedicationRequest", "rx-berg");
  g_assert_cmpint (json_object_get_int_member (
                     json_object_get_object_member (
                       json_array_get_object_element (
                         json_object_get_array_member (
                           json_array_get_object_element (
                             json_object_get_array_member (prescription, "dosageInstruction"), 0),
                           "doseAndRate"), 0),
                       "doseQuantity"),
                     "value"), ==, 800);

  /* what was settled here reaches the server (through the window's engine: one engine per
   * store at a time), and the colleague gets it */
  sync_now (f->window);
  hc_test_ui_wait_until (f->window, is_idle, "sending the resolutions");
  hc_test_ui_sync_once (f->other);
  g_clear_pointer (&patient, json_object_unref);
  patient = get_resource (f->other, "Patient", "p-berg");
  g_assert_cmpstr (json_object_get_string_member (patient, "birthDate"), ==, "1951-02-20");
}

/* Puts @json with the records' ids "…-berg" made "…-berg-2". */
static void
put_renamed (HcStore    *store,
             const char *json)
{
  g_autoptr(GString) text = g_string_new (json);

  g_string_replace (text, "-berg\"", "-berg-2\"", 0);
  hc_test_ui_put (store, text->str);
}

static gboolean
chart_shows_conflict (gpointer data)
{
  return _hc_chart_view_get_conflict_text (_hc_window_get_chart_view (data)) != NULL;
}

static gboolean
chart_shows_no_conflict (gpointer data)
{
  return g_strcmp0 (_hc_window_get_content_state (data), "patient") == 0 &&
         !chart_shows_conflict (data);
}

static void
test_merge_toast (Fixture       *f,
                  gconstpointer  data)
{
  const char *base[] = { PATIENT ("1950-01-01"), ALLERGY ("Penicillin V"), NULL };
  const char *none[] = { NULL };
  g_autoptr(JsonObject) patient = NULL;

  if (server.url == NULL)
    {
      g_test_skip ("HOUSECALL_SERVER is not set");
      return;
    }

  /* the server keeps the first test's records: other ids */
  make_conflicts (f, none, none, none);
  for (guint i = 0; base[i] != NULL; i++)
    put_renamed (f->other, base[i]);
  hc_test_ui_sync_once (f->other);
  hc_test_ui_sync_once (f->store);
  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_present (GTK_WINDOW (f->window));
  hc_test_ui_wait_until (f->window, is_idle, "the first sync");
  hc_test_ui_wait_until (f->window, lists_patient, "listing the patient");
  g_signal_emit_by_name (_hc_window_get_list_view (f->window), "activate",
                         (guint) position_of_patient (f->window));
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "patient");

  /* another patient's chart changes: nothing to say */
  hc_test_ui_put (f->other, "{\"resourceType\":\"Patient\",\"id\":\"p-other\","
                            " \"name\":[{\"family\":\"Lind\",\"given\":[\"Ole\"]}]}");
  hc_test_ui_sync_once (f->other);
  sync_now (f->window);
  g_assert_null (_hc_window_get_last_toast (f->window));

  /* the colleague changes the allergy: a plain update */
  put_renamed (f->other, ALLERGY ("Penicillin G"));
  hc_test_ui_sync_once (f->other);
  sync_now (f->window);
  g_assert_cmpstr (_hc_window_get_last_toast (f->window), ==,
                   "Chart updated: a colleague changed allergies");

  /* the colleague changes the phone, this computer the birth date: merged */
  put_renamed (f->other, PATIENT_WITH_MOBILE ("1950-01-01"));
  hc_test_ui_sync_once (f->other);
  put_renamed (f->store, PATIENT ("1950-01-10"));
  sync_now (f->window);
  g_assert_cmpstr (_hc_window_get_last_toast (f->window), ==,
                   "Chart updated: a colleague’s change to patient details was merged with yours");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "merge-toast");
  patient = get_resource (f->store, "Patient", "p-berg-2");
  g_assert_cmpstr (json_object_get_string_member (patient, "birthDate"), ==, "1950-01-10");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (
                       json_object_get_array_member (patient, "telecom"), 0), "value"), ==,
                   "+49 30 5550199");

  /* both change the birth date: the toast says it waits in the inbox, not that it changed */
  hc_test_ui_wait_until (f->window, is_idle, "sending the merged patient");
  hc_test_ui_sync_once (f->other);
  put_renamed (f->other, PATIENT_WITH_MOBILE ("1950-02-02"));
  hc_test_ui_sync_once (f->other);
  put_renamed (f->store, PATIENT_WITH_MOBILE ("1950-03-03"));
  sync_now (f->window);
  g_assert_cmpstr (_hc_window_get_last_toast (f->window), ==,
                   "A colleague’s change to patient details conflicts with yours");
  hc_test_ui_wait_until (f->window, has_conflict_badge, "the conflict badge");
  /* the chart says what waits, and its record is marked */
  hc_test_ui_wait_until (f->window, chart_shows_conflict, "the chart's conflict banner");
  g_assert_cmpstr (_hc_chart_view_get_conflict_text (_hc_window_get_chart_view (f->window)), ==,
                   "In conflict: Patient details. Until it is settled, the chart shows the "
                   "server’s version of what differs.");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "chart-conflict");

  /* settled: the banner goes */
  {
    HcConflictView *view = _hc_window_get_conflict_view (f->window);
    guint serial = _hc_conflict_view_get_serial (view);

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "conflicts.show", NULL));
    wait_for_load (view, serial);
    resolve_from_keyboard (view, "conflicts.keep-theirs");
  }
  g_signal_emit_by_name (_hc_window_get_list_view (f->window), "activate",
                         (guint) position_of_patient (f->window));
  hc_test_ui_wait_until (f->window, chart_shows_no_conflict, "the banner to go");
}

/* Values in words without a server: names, phone numbers, codes, dates, doses. */
static void
test_record_text (void)
{
  g_autoptr(JsonObject) patient = hc_test_object (PATIENT ("1961-05-04"));
  g_autoptr(JsonObject) rx = hc_test_object (PRESCRIPTION ("500", "3"));
  g_autoptr(JsonObject) allergy = hc_test_object (ALLERGY ("Penicillin V"));
  g_autofree char *name = hc_record_text_value ("name", json_object_get_member (patient, "name"));
  g_autofree char *phone = hc_record_text_value ("telecom",
                                                 json_object_get_member (patient, "telecom"));
  g_autofree char *birth = hc_record_text_value ("birthDate",
                                                 json_object_get_member (patient, "birthDate"));
  g_autofree char *sex = hc_record_text_value ("gender", json_object_get_member (patient, "gender"));
  g_autofree char *dose = hc_record_text_value ("dosageInstruction",
                                                json_object_get_member (rx, "dosageInstruction"));
  g_autofree char *status = hc_record_text_value ("clinicalStatus",
                                                  json_object_get_member (allergy, "clinicalStatus"));
  g_autofree char *criticality = hc_record_text_value ("criticality",
                                                       json_object_get_member (allergy, "criticality"));
  g_autofree char *phone_label = hc_record_text_label ("Patient", "telecom");
  g_autofree char *dose_label = hc_record_text_label ("MedicationRequest", "dosageInstruction");
  g_autofree char *unknown_label = hc_record_text_label ("Procedure", "bodySite");
  g_autofree char *patient_id = hc_record_text_patient_id ("MedicationRequest", rx);

  g_assert_cmpstr (name, ==, "Anna Maria Berg");
  g_assert_cmpstr (phone, ==, "+49 30 5550101 (home)");
  g_assert_cmpstr (birth, ==, "4 May 1961");
  g_assert_cmpstr (sex, ==, "Female");
  g_assert_cmpstr (dose, ==, "500 mg, 3 times a day");
  g_assert_cmpstr (status, ==, "Active");
  g_assert_cmpstr (criticality, ==, "High");
  g_assert_cmpstr (phone_label, ==, "Phone");
  g_assert_cmpstr (dose_label, ==, "Dose");
  g_assert_cmpstr (unknown_label, ==, "Body site");
  g_assert_cmpstr (patient_id, ==, "p-berg");
  g_assert_cmpstr (hc_record_text_kind ("AllergyIntolerance"), ==, "Allergy");
  g_assert_cmpstr (hc_record_text_kind ("MedicationRequest"), ==, "Prescription");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* untranslated strings and English dates, whatever the machine's locale */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  hc_test_ui_server_setup (&server, "hc-test-conflicts-server");

  g_test_add_func ("/hc/ui/conflicts/record-text", test_record_text);
  g_test_add ("/hc/ui/conflicts/readable", Fixture, NULL, fixture_setup, test_readable,
              fixture_teardown);
  g_test_add ("/hc/ui/conflicts/merge-toast", Fixture, NULL, fixture_setup, test_merge_toast,
              fixture_teardown);

  status = g_test_run ();
  if (server.url != NULL)
    hc_test_server_stop (&server);
  hc_test_server_clear (&server);
  return status;
}
