/* test-encounter.c: the encounter editor against a real store, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-encounter"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "hc-encounter-editor-private.h"
#include "hc-json.h"
#include "hc-test-utils.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

static const char patient_json[] =
  "{\"resourceType\":\"Patient\",\"id\":\"p-mueller\","
  " \"identifier\":[{\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]},"
  "  \"system\":\"urn:oid:1.2.3\",\"value\":\"100200\"}],"
  " \"name\":[{\"use\":\"official\",\"family\":\"Müller\",\"given\":[\"Anna\"]}],"
  " \"gender\":\"female\",\"birthDate\":\"1961-05-04\"}";

typedef struct
{
  char     *dir;
  HcStore  *store;
  HcWindow *window;
} Fixture;

static gboolean
editor_ready (gpointer data)
{
  return _hc_encounter_editor_is_ready (data);
}

static gboolean
has_results (gpointer data)
{
  return gtk_list_box_get_row_at_index (_hc_encounter_editor_get_diagnosis_results (data), 0) != NULL;
}

typedef struct
{
  HcEncounterEditor *editor;
  guint              serial;
} SaveWait;

static gboolean
saved_past (gpointer data)
{
  SaveWait *w = data;
  return _hc_encounter_editor_get_save_serial (w->editor) > w->serial;
}

/* Activates @action on the editor and waits until the write it starts has finished. */
static void
activate_and_wait (HcEncounterEditor *editor,
                   const char        *action)
{
  SaveWait w = { editor, _hc_encounter_editor_get_save_serial (editor) };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), action, NULL));
  hc_test_ui_wait_until (&w, saved_past, action);
  if (_hc_encounter_editor_get_last_error (editor) != NULL)
    g_error ("%s failed: %s", action, _hc_encounter_editor_get_last_error (editor));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = hc_test_tmpdir ("store");
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  hc_test_ui_put (f->store, patient_json);

  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_present (GTK_WINDOW (f->window));
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_window_get_search_serial, f->window, 0,
                          "the patient list");
  g_signal_emit_by_name (_hc_window_get_list_view (f->window), "activate", 0);
  g_assert_nonnull (hc_window_get_patient (f->window));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  HcEncounterEditor *editor = _hc_encounter_editor_get_for_window (GTK_WINDOW (f->window));

  if (editor != NULL)
    gtk_window_destroy (GTK_WINDOW (editor));
  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  hc_test_ui_wait_finalized (f->store);
  g_free (f->dir);
}

static HcEncounterEditor *
start_encounter (Fixture *f)
{
  HcEncounterEditor *editor;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-encounter", NULL));
  editor = _hc_encounter_editor_get_for_window (GTK_WINDOW (f->window));
  g_assert_nonnull (editor);
  hc_test_ui_wait_until (editor, editor_ready, "opening the encounter");
  return editor;
}

static char *
view_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Types @text at the end of @view, one character at a time, as the keyboard would. */
static void
type_into (GtkTextView *view,
           const char  *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    gtk_text_buffer_insert_interactive_at_cursor (buffer, p, g_utf8_next_char (p) - p, TRUE);
}

static void
assert_selected_blank (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  g_autofree char *selected = NULL;
  GtkTextIter start, end;

  g_assert_true (gtk_text_buffer_get_selection_bounds (buffer, &start, &end));
  selected = gtk_text_iter_get_text (&start, &end);
  g_assert_cmpstr (selected, ==, "___");
}

/* Typing over what is selected, as a keyboard does. */
static void
type_over_selection (GtkTextView *view,
                     const char  *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);

  gtk_text_buffer_delete_selection (buffer, TRUE, TRUE);
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    gtk_text_buffer_insert_interactive_at_cursor (buffer, p, g_utf8_next_char (p) - p, TRUE);
}

static void
enter_vital (HcEncounterEditor *editor,
             HcVital            kind,
             const char        *text)
{
  GtkEditable *entry = _hc_encounter_editor_get_vital_entry (editor, kind);

  gtk_editable_set_text (entry, text);
  g_signal_emit_by_name (entry, "activate");
}

static JsonObject *
get (HcStore    *store,
     const char *type,
     const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *r = hc_store_get_sync (store, type, id, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static JsonArray *
chart (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  JsonArray *a = hc_store_list_chart_sync (f->store, "p-mueller", NULL, NULL, &error);

  g_assert_no_error (error);
  return a;
}

static gboolean
printed_once (gpointer data)
{
  return _hc_encounter_get_print_serial (data) > 0;
}

static void
test_visit (Fixture       *f,
            gconstpointer  data)
{
  HcEncounterEditor *editor;
  const char *encounter_id;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) encounter = NULL;
  g_autoptr(JsonObject) note = NULL;
  g_autoptr(JsonArray) records = NULL;
  g_autofree char *text = NULL;
  g_autofree char *codes = NULL;
  g_autofree char *pdf = g_build_filename (f->dir, "summary.pdf", NULL);
  g_autofree char *pdf_data = NULL;
  g_autofree char *pdftotext = NULL;
  gsize pdf_length;
  GtkListBoxRow *first;
  JsonObject *attester, *party, *identifier;
  const char *note_id;
  guint addenda = 0, vitals = 0;

  /* logged in to the server as drlee: the note is signed by drlee, not by the OS user */
  g_assert_true (hc_store_set_sync_values_sync (f->store, NULL, &error, "user", "drlee", NULL));
  g_assert_no_error (error);
  editor = start_encounter (f);
  encounter_id = hc_encounter_editor_get_encounter_id (editor);
  encounter = get (f->store, "Encounter", encounter_id);

  /* the visit starts as an in-progress Encounter in the store */
  g_assert_cmpstr (json_object_get_string_member (encounter, "status"), ==, "in-progress");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (encounter,
                                                  "subject"), "reference"), ==,
                   "Patient/p-mueller");

  /* a template fills the note */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.apply-template", "s",
                                             "hypertension-follow-up"));
  text = view_text (_hc_encounter_editor_get_section_view (editor, HC_SOAP_SUBJECTIVE));
  g_assert_true (g_str_has_prefix (text, "Follow-up of hypertension."));
  g_clear_pointer (&text, g_free);
  /* its first blank is selected, to be typed over; Ctrl+J goes on to the next, in the
   * assessment */
  assert_selected_blank (_hc_encounter_editor_get_section_view (editor, HC_SOAP_SUBJECTIVE));
  type_over_selection (_hc_encounter_editor_get_section_view (editor, HC_SOAP_SUBJECTIVE),
                       "132/84 on average");
  text = view_text (_hc_encounter_editor_get_section_view (editor, HC_SOAP_SUBJECTIVE));
  g_assert_nonnull (strstr (text, "Home blood pressure readings: 132/84 on average. Adherent"));
  g_clear_pointer (&text, g_free);
  /* signing with a blank left is refused, and the blank is selected */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.sign", NULL));
  g_assert_nonnull (strstr (_hc_encounter_editor_get_last_error (editor), "blanks"));
  g_assert_false (_hc_encounter_editor_is_read_only (editor));
  assert_selected_blank (_hc_encounter_editor_get_section_view (editor, HC_SOAP_ASSESSMENT));
  /* Ctrl+J from the subjective goes to the same one */
  gtk_widget_grab_focus (GTK_WIDGET (_hc_encounter_editor_get_section_view (editor,
                                                                            HC_SOAP_SUBJECTIVE)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.next-blank", NULL));
  assert_selected_blank (_hc_encounter_editor_get_section_view (editor, HC_SOAP_ASSESSMENT));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (_hc_encounter_editor_get_section_view (
                   editor, HC_SOAP_ASSESSMENT))));
  type_over_selection (_hc_encounter_editor_get_section_view (editor, HC_SOAP_ASSESSMENT), "");

  /* a snippet expands as it is typed */
  type_into (_hc_encounter_editor_get_section_view (editor, HC_SOAP_OBJECTIVE), "\nOverall: .nad ");
  text = view_text (_hc_encounter_editor_get_section_view (editor, HC_SOAP_OBJECTIVE));
  g_assert_nonnull (strstr (text, "\nOverall: No acute distress. "));
  g_assert_null (strstr (text, ".nad"));
  g_clear_pointer (&text, g_free);
  type_into (_hc_encounter_editor_get_section_view (editor, HC_SOAP_ASSESSMENT),
             "controlled on lisinopril, BP <140/90 & no side effects.");

  /* vitals: a wrong unit is refused with a message at the field, then corrected */
  enter_vital (editor, HC_VITAL_WEIGHT, "72 cm");
  g_assert_nonnull (_hc_encounter_editor_get_vital_error (editor, HC_VITAL_WEIGHT));
  g_assert_nonnull (strstr (_hc_encounter_editor_get_vital_error (editor, HC_VITAL_WEIGHT),
                            "kg or lb"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (_hc_encounter_editor_get_vital_entry (editor,
                                           HC_VITAL_WEIGHT)), "error"));
  /* signing is refused while a value is wrong */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.sign", NULL));
  g_assert_nonnull (_hc_encounter_editor_get_last_error (editor));
  g_assert_false (_hc_encounter_editor_is_read_only (editor));
  enter_vital (editor, HC_VITAL_WEIGHT, "160 lb");
  g_assert_null (_hc_encounter_editor_get_vital_error (editor, HC_VITAL_WEIGHT));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (_hc_encounter_editor_get_vital_entry (editor,
                                            HC_VITAL_WEIGHT)), "error"));
  enter_vital (editor, HC_VITAL_HEIGHT, "5'7\"");
  enter_vital (editor, HC_VITAL_BLOOD_PRESSURE, "138/86");
  enter_vital (editor, HC_VITAL_PULSE, "72");
  enter_vital (editor, HC_VITAL_TEMPERATURE, "98.6 F");
  for (int k = 0; k < HC_VITAL_BMI; k++)
    g_assert_null (_hc_encounter_editor_get_vital_error (editor, k));

  /* a diagnosis found by words */
  gtk_editable_set_text (_hc_encounter_editor_get_diagnosis_search (editor), "hypert");
  hc_test_ui_wait_until (editor, has_results, "diagnosis search results");
  first = gtk_list_box_get_row_at_index (_hc_encounter_editor_get_diagnosis_results (editor), 0);
  g_assert_cmpstr (g_object_get_data (G_OBJECT (first), "hc-code"), ==, "I10");
  g_signal_emit_by_name (_hc_encounter_editor_get_diagnosis_search (editor), "activate");
  codes = _hc_encounter_editor_get_diagnosis_codes (editor);
  g_assert_cmpstr (codes, ==, "I10");
  g_clear_pointer (&codes, g_free);
  /* added twice is still once */
  gtk_editable_set_text (_hc_encounter_editor_get_diagnosis_search (editor), "I10");
  hc_test_ui_wait_until (editor, has_results, "diagnosis search results");
  g_signal_emit_by_name (_hc_encounter_editor_get_diagnosis_search (editor), "activate");
  codes = _hc_encounter_editor_get_diagnosis_codes (editor);
  g_assert_cmpstr (codes, ==, "I10");
  g_clear_pointer (&codes, g_free);

  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "encounter-editor");

  /* a draft first: preliminary, the encounter still in progress */
  activate_and_wait (editor, "editor.save-draft");
  note_id = _hc_encounter_editor_get_note_id (editor);
  note = get (f->store, "Composition", note_id);
  g_assert_cmpstr (json_object_get_string_member (note, "status"), ==, "preliminary");
  g_assert_null (json_object_get_member (note, "attester"));
  g_clear_pointer (&note, json_object_unref);

  /* signing: the note final with a legal attester, the encounter finished, in one changeset */
  activate_and_wait (editor, "editor.sign");
  note = get (f->store, "Composition", note_id);
  g_assert_cmpstr (json_object_get_string_member (note, "status"), ==, "final");
  attester = json_array_get_object_element (json_object_get_array_member (note, "attester"), 0);
  g_assert_cmpstr (json_object_get_string_member (attester, "mode"), ==, "legal");
  g_assert_true (json_object_has_member (attester, "time"));
  party = json_object_get_object_member (attester, "party");
  g_assert_cmpstr (json_object_get_string_member (party, "display"), ==, "drlee");
  identifier = json_object_get_object_member (party, "identifier");
  g_assert_cmpstr (json_object_get_string_member (identifier, "system"), ==, "urn:housecall:user");
  g_assert_cmpstr (json_object_get_string_member (identifier, "value"), ==, "drlee");
  text = hc_note_get_section_text (note, "Assessment");
  g_assert_cmpstr (text, ==, "Essential hypertension: controlled on lisinopril, BP <140/90 & no side effects.");
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&encounter, json_object_unref);
  encounter = get (f->store, "Encounter", encounter_id);
  g_assert_cmpstr (json_object_get_string_member (encounter, "status"), ==, "finished");
  g_assert_true (json_object_has_member (json_object_get_object_member (encounter, "period"), "end"));
  {
    JsonArray *diagnoses = json_object_get_array_member (encounter, "diagnosis");
    const char *ref;
    g_autoptr(JsonObject) condition = NULL;
    g_autofree char *condition_text = NULL;

    g_assert_cmpuint (json_array_get_length (diagnoses), ==, 1);
    ref = json_object_get_string_member (json_object_get_object_member (
      json_array_get_object_element (diagnoses, 0), "condition"), "reference");
    g_assert_true (g_str_has_prefix (ref, "Condition/"));
    condition = get (f->store, "Condition", ref + strlen ("Condition/"));
    condition_text = hc_json_object_to_string (condition, FALSE);
    g_assert_nonnull (strstr (condition_text, "\"code\":\"I10\""));
    g_assert_nonnull (strstr (condition_text, "\"encounter-diagnosis\""));
  }
  /* the vitals as vital-signs Observations in metric units */
  records = chart (f);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_object_get_object_member (json_array_get_object_element (records, i),
                                                     "resource");
      HcVitalValue v;

      if (g_strcmp0 (json_object_get_string_member (r, "resourceType"), "Observation") != 0 ||
          !hc_vital_from_observation (r, &v))
        continue;
      vitals++;
      g_assert_cmpstr (json_object_get_string_member (r, "status"), ==, "final");
      if (v.kind == HC_VITAL_WEIGHT)
        g_assert_cmpfloat_with_epsilon (v.value, 72.6, 1e-6);
      if (v.kind == HC_VITAL_TEMPERATURE)
        g_assert_cmpfloat_with_epsilon (v.value, 37.0, 1e-6);
    }
  g_assert_cmpuint (vitals, ==, 6);   /* five typed, and the BMI */
  g_clear_pointer (&records, json_array_unref);

  /* the editor is read-only now, the keyboard at Add Addendum */
  g_assert_true (_hc_encounter_editor_is_read_only (editor));
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (editor));

    g_assert_true (GTK_IS_BUTTON (focus));
    g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (focus)), ==, "Add _Addendum");
  }
  g_assert_false (gtk_text_view_get_editable (_hc_encounter_editor_get_section_view (editor,
                                              HC_SOAP_PLAN)));
  g_assert_false (gtk_editable_get_editable (_hc_encounter_editor_get_vital_entry (editor,
                                             HC_VITAL_PULSE)));
  {
    guint serial = _hc_encounter_editor_get_save_serial (editor);

    /* signing again writes nothing */
    gtk_widget_activate_action (GTK_WIDGET (editor), "editor.sign", NULL);
    gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save-draft", NULL);
    hc_test_ui_settle (100);
    g_assert_cmpuint (_hc_encounter_editor_get_save_serial (editor), ==, serial);
  }
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "encounter-signed");

  /* the store refuses a second write of the signed note */
  {
    g_autoptr(JsonObject) changed = hc_json_object_copy (note);
    g_autoptr(JsonObject) out = NULL;

    json_object_set_string_member (changed, "title", "Edited after signing");
    out = hc_store_put_sync (f->store, changed, NULL, &error);
    g_assert_null (out);
    g_assert_error (error, HC_STORE_ERROR, HC_STORE_ERROR_IMMUTABLE);
    g_clear_error (&error);
  }

  /* an addendum: a new Composition that appends to the signed one, signed itself */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.add-addendum", NULL));
  type_into (_hc_encounter_editor_get_addendum_view (editor), "Home readings reviewed: 128/82.");
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "encounter-addendum");
  activate_and_wait (editor, "editor.sign-addendum");
  records = chart (f);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_object_get_object_member (json_array_get_object_element (records, i),
                                                     "resource");
      JsonArray *relates = json_object_get_member (r, "relatesTo")
                           ? json_object_get_array_member (r, "relatesTo") : NULL;
      JsonObject *rel;
      g_autofree char *target = g_strconcat ("Composition/", note_id, NULL);
      g_autofree char *addendum_text = NULL;

      if (relates == NULL)
        continue;
      addenda++;
      rel = json_array_get_object_element (relates, 0);
      g_assert_cmpstr (json_object_get_string_member (rel, "code"), ==, "appends");
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (rel,
                                                      "targetReference"), "reference"), ==, target);
      g_assert_true (hc_note_is_signed (r));
      addendum_text = hc_note_get_section_text (r, "Addendum");
      g_assert_cmpstr (addendum_text, ==, "Home readings reviewed: 128/82.");
    }
  g_assert_cmpuint (addenda, ==, 1);
  /* the signed note itself did not change */
  {
    g_autoptr(JsonObject) again = get (f->store, "Composition", note_id);
    g_autofree char *before = hc_json_object_to_string (note, FALSE);
    g_autofree char *after = hc_json_object_to_string (again, FALSE);
    g_assert_cmpstr (before, ==, after);
  }

  /* the visit summary as PDF through win.print-summary */
  _hc_encounter_set_summary_export_path (GTK_WINDOW (f->window), pdf);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.print-summary", NULL));
  hc_test_ui_wait_until (f->window, printed_once, "printing the visit summary");
  g_assert_null (_hc_encounter_get_print_error (GTK_WINDOW (f->window)));
  g_assert_true (g_file_get_contents (pdf, &pdf_data, &pdf_length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pdf_length, >, 1000);
  g_assert_true (g_str_has_prefix (pdf_data, "%PDF"));
  pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftotext != NULL)
    {
      g_autofree char *out = NULL;
      g_autofree char *command = g_strdup_printf ("pdftotext -layout '%s' -", pdf);
      int status;

      g_assert_true (g_spawn_command_line_sync (command, &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
      g_assert_nonnull (strstr (out, "Müller, Anna"));
      g_assert_nonnull (strstr (out, "Essential (primary) hypertension"));
      g_assert_nonnull (strstr (out, "I10"));
      g_assert_nonnull (strstr (out, "138/86 mmHg"));
      g_assert_nonnull (strstr (out, "Continue current antihypertensive"));
      g_assert_nonnull (strstr (out, "Electronically signed by"));
      g_assert_nonnull (strstr (out, "Home readings reviewed"));
    }
  else
    g_test_message ("pdftotext not installed: the PDF's text is not checked");
  g_assert_cmpint (g_unlink (pdf), ==, 0);
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
test_draft_kept (Fixture       *f,
                 gconstpointer  data)
{
  HcEncounterEditor *editor = start_encounter (f);
  g_autofree char *encounter_id = g_strdup (hc_encounter_editor_get_encounter_id (editor));
  g_autofree char *note_id = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) note = NULL;
  g_autoptr(JsonObject) encounter = NULL;
  gpointer weak = editor;

  type_into (_hc_encounter_editor_get_section_view (editor, HC_SOAP_SUBJECTIVE),
             "Cough for three days.");
  enter_vital (editor, HC_VITAL_PULSE, "88");
  note_id = g_strdup (_hc_encounter_editor_get_note_id (editor));

  /* closing right away writes the draft, then the window goes */
  g_object_add_weak_pointer (G_OBJECT (editor), &weak);
  gtk_window_close (GTK_WINDOW (editor));
  hc_test_ui_wait_until (&weak, is_gone, "the editor closing after saving");
  note = get (f->store, "Composition", note_id);
  g_assert_cmpstr (json_object_get_string_member (note, "status"), ==, "preliminary");
  text = hc_note_get_section_text (note, "Subjective");
  g_assert_cmpstr (text, ==, "Cough for three days.");
  g_clear_pointer (&text, g_free);
  encounter = get (f->store, "Encounter", encounter_id);
  g_assert_cmpstr (json_object_get_string_member (encounter, "status"), ==, "in-progress");

  /* starting an encounter again continues the unsigned one */
  editor = start_encounter (f);
  g_assert_cmpstr (hc_encounter_editor_get_encounter_id (editor), ==, encounter_id);
  g_assert_cmpstr (_hc_encounter_editor_get_note_id (editor), ==, note_id);
  text = view_text (_hc_encounter_editor_get_section_view (editor, HC_SOAP_SUBJECTIVE));
  g_assert_cmpstr (text, ==, "Cough for three days.");
  g_assert_cmpstr (gtk_editable_get_text (_hc_encounter_editor_get_vital_entry (editor,
                                          HC_VITAL_PULSE)), ==, "88 /min");
  g_assert_false (_hc_encounter_editor_is_read_only (editor));

  /* and typing is saved without asking, after a pause */
  {
    SaveWait w = { editor, _hc_encounter_editor_get_save_serial (editor) };
    g_autoptr(JsonObject) later = NULL;

    type_into (_hc_encounter_editor_get_section_view (editor, HC_SOAP_PLAN), "Fluids.");
    hc_test_ui_wait_until (&w, saved_past, "the autosave");
    later = get (f->store, "Composition", note_id);
    g_clear_pointer (&text, g_free);
    text = hc_note_get_section_text (later, "Plan");
    g_assert_cmpstr (text, ==, "Fluids.");
  }
}

static gboolean
editor_hidden (gpointer data)
{
  return !gtk_widget_get_visible (data);
}

static gboolean
editor_shown (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
window_unlocked (gpointer data)
{
  return g_strcmp0 (_hc_window_get_main_state (data), "patients") == 0;
}

static void
test_lock_hides (Fixture       *f,
                 gconstpointer  data)
{
  HcEncounterEditor *editor = start_encounter (f);
  const char *note_id = _hc_encounter_editor_get_note_id (editor);
  g_autoptr(JsonObject) note = NULL;
  g_autofree char *text = NULL;
  SaveWait w;

  /* typed, and the chart is locked before the autosave */
  type_into (_hc_encounter_editor_get_section_view (editor, HC_SOAP_SUBJECTIVE), "Dizzy since Monday.");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "store.lock", NULL));
  hc_test_ui_wait_until (editor, editor_hidden, "the editor hiding with the lock");

  /* unlocked again: the note is back, and what was typed is saved */
  w.editor = editor;
  w.serial = _hc_encounter_editor_get_save_serial (editor);
  gtk_editable_set_text (_hc_window_get_passphrase_entry (f->window), HC_TEST_PASSPHRASE);
  g_signal_emit_by_name (_hc_window_get_passphrase_entry (f->window), "activate");
  hc_test_ui_wait_until (f->window, window_unlocked, "unlocking");
  hc_test_ui_wait_until (editor, editor_shown, "the editor coming back");
  hc_test_ui_wait_until (&w, saved_past, "saving after unlocking");
  g_assert_null (_hc_encounter_editor_get_last_error (editor));
  note = get (f->store, "Composition", note_id);
  text = hc_note_get_section_text (note, "Subjective");
  g_assert_cmpstr (text, ==, "Dizzy since Monday.");
}

int
main (int   argc,
      char *argv[])
{
  /* untranslated strings, whatever the machine's locale */
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/hc/ui/encounter/visit", test_visit);
  ADD ("/hc/ui/encounter/draft-kept", test_draft_kept);
  ADD ("/hc/ui/encounter/lock-hides", test_lock_hides);
#undef ADD

  return g_test_run ();
}
