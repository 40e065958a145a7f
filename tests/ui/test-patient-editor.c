/* test-patient-editor.c: registration and insurance against a real store, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-patient-editor"

#include "config.h"

#include <string.h>

#include "hc-json.h"
#include "hc-patient-editor-private.h"
#include "hc-test-utils.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

typedef struct
{
  char     *dir;
  HcStore  *store;
  HcWindow *window;
} Fixture;

#define MUELLER \
  "{\"resourceType\":\"Patient\",\"id\":\"p-mueller\"," \
  " \"identifier\":[{\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]}," \
  "  \"system\":\"urn:housecall:mrn\",\"value\":\"MRN-100200\"}," \
  "  {\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"DL\"}]}," \
  "  \"value\":\"B072RRE2I55\"}]," \
  " \"name\":[{\"use\":\"official\",\"family\":\"Müller\",\"given\":[\"Anna\",\"Maria\"],\"prefix\":[\"Dr.\"]}," \
  "  {\"use\":\"maiden\",\"family\":\"Weber\"}]," \
  " \"gender\":\"female\",\"birthDate\":\"1961-05-04\"," \
  " \"telecom\":[{\"system\":\"phone\",\"value\":\"+49 30 5550101\",\"use\":\"home\"}," \
  "  {\"system\":\"phone\",\"value\":\"+49 170 5550199\",\"use\":\"mobile\"}," \
  "  {\"system\":\"email\",\"value\":\"anna@example.org\"}]," \
  " \"address\":[{\"use\":\"home\",\"line\":[\"Hauptstr. 5\",\"Hinterhaus\"],\"city\":\"Berlin\",\"postalCode\":\"10115\",\"country\":\"DE\"}]," \
  " \"communication\":[{\"language\":{\"text\":\"German\"}}]," \
  " \"extension\":[{\"url\":\"http://example.org/fhir/favourite-colour\",\"valueString\":\"green\"}]}"

#define MUELLER_COVERAGE \
  "{\"resourceType\":\"Coverage\",\"id\":\"cov-mueller\",\"status\":\"active\"," \
  " \"beneficiary\":{\"reference\":\"Patient/p-mueller\"}," \
  " \"payor\":[{\"reference\":\"Organization/payer-1\",\"display\":\"Bluestone Health\"}]," \
  " \"subscriberId\":\"BX123456789\"," \
  " \"relationship\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/subscriber-relationship\",\"code\":\"self\"}]}," \
  " \"period\":{\"start\":\"2020-01-01\"}}"

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hc-test-editor-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, HC_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  hc_test_ui_put (f->store, MUELLER);
  hc_test_ui_put (f->store, MUELLER_COVERAGE);
  hc_test_ui_drain ();

  f->window = g_object_ref (hc_window_new (NULL, f->store));
  /* the smallest screen the practice uses */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1024, 600);
  gtk_window_present (GTK_WINDOW (f->window));
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_window_get_search_serial, f->window, 0,
                          "the first search");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GtkWindow *editor;

  while ((editor = hc_test_ui_find_window (HC_TYPE_PATIENT_EDITOR)) != NULL)
    gtk_window_destroy (editor);
  gtk_window_destroy (GTK_WINDOW (f->window));
  hc_test_ui_wait_finalized (f->window);
  hc_test_ui_wait_finalized (f->store);
  hc_test_ui_remove_dir (f->dir);
  g_free (f->dir);
}

static HcPatientEditor *
open_editor (Fixture    *f,
             const char *action)
{
  HcPatientEditor *editor;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), action, NULL));
  editor = HC_PATIENT_EDITOR (hc_test_ui_find_window (HC_TYPE_PATIENT_EDITOR));
  g_assert_nonnull (editor);
  return editor;
}

static void
set_text (HcPatientEditor *editor,
          const char      *field,
          const char      *text)
{
  gtk_editable_set_text (_hc_patient_editor_get_entry (editor, field), text);
}

static const char *
get_text (HcPatientEditor *editor,
          const char      *field)
{
  return gtk_editable_get_text (_hc_patient_editor_get_entry (editor, field));
}

/* Presses Save and waits for the check or write it starts. */
static void
save (HcPatientEditor *editor,
      const char      *action)
{
  guint serial = _hc_patient_editor_get_serial (editor);

  g_object_ref (editor);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), action, NULL));
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_patient_editor_get_serial, editor, serial,
                          "saving the patient");
  g_object_unref (editor);
}

static JsonObject *
get_resource (HcStore    *store,
              const char *type,
              const char *id)
{
  g_autoptr(GError) error = NULL;
  JsonObject *resource = hc_store_get_sync (store, type, id, NULL, &error);

  g_assert_no_error (error);
  return resource;
}

/* A new patient with an insurance: one changeset holds both, the chart opens. */
static void
test_new_with_coverage (Fixture       *f,
                        gconstpointer  data)
{
  guint before = hc_test_ui_outbox_length (f->store);
  HcPatientEditor *editor = open_editor (f, "win.new-patient");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) outbox = NULL;
  g_autoptr(JsonObject) patient = NULL;
  g_autofree char *id = NULL;
  g_autofree char *reference = NULL;
  JsonArray *entries;
  JsonObject *coverage;

  g_assert_cmpuint (_hc_patient_editor_get_n_coverages (editor), ==, 0);
  set_text (editor, "family", "Okonkwo");
  set_text (editor, "given", "Chidi Emeka");
  set_text (editor, "birth", "1975-09-21");
  adw_combo_row_set_selected (_hc_patient_editor_get_combo (editor, "sex"), 2);  /* male */
  set_text (editor, "gender-identity", "Man");
  set_text (editor, "mrn", "MRN-555001");
  set_text (editor, "phone", "(555) 014-2231");
  set_text (editor, "email", "chidi@example.org");
  set_text (editor, "street", "12 Elm Street");
  set_text (editor, "city", "Springfield");
  set_text (editor, "postal", "62701");
  set_text (editor, "contact-name", "Ngozi Okonkwo");
  adw_combo_row_set_selected (_hc_patient_editor_get_combo (editor, "contact-relationship"), 1);
  set_text (editor, "contact-phone", "(555) 014-9999");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.add-coverage", NULL));
  g_assert_cmpuint (_hc_patient_editor_get_n_coverages (editor), ==, 1);
  gtk_editable_set_text (_hc_patient_editor_get_coverage_entry (editor, 0, "payor"), "Acme Mutual");
  gtk_editable_set_text (_hc_patient_editor_get_coverage_entry (editor, 0, "member"), "ZX987654321");
  gtk_editable_set_text (_hc_patient_editor_get_coverage_entry (editor, 0, "group"), "GRP-0042");
  gtk_editable_set_text (_hc_patient_editor_get_coverage_entry (editor, 0, "start"), "2025-01-01");
  adw_combo_row_set_selected (_hc_patient_editor_get_coverage_relationship (editor, 0), 1);  /* spouse */
  id = g_strdup (_hc_patient_editor_get_patient_id (editor));
  reference = g_strconcat ("Patient/", id, NULL);
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "patient-editor-new");
  /* the insurance at the end of the form */
  gtk_widget_grab_focus (GTK_WIDGET (_hc_patient_editor_get_coverage_entry (editor, 0, "end")));
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "patient-editor-new-insurance");

  g_object_ref (editor);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_assert_null (_hc_patient_editor_get_error (editor));
  g_object_unref (editor);

  /* one changeset with the patient and the coverage */
  outbox = hc_store_list_outbox_sync (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (outbox), ==, before + 1);
  entries = json_object_get_array_member (json_array_get_object_element (outbox, before), "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_cmpstr (hc_json_get_string (json_array_get_object_element (entries, 0), "type"), ==, "Patient");
  g_assert_cmpstr (hc_json_get_string (json_array_get_object_element (entries, 0), "id"), ==, id);
  g_assert_cmpstr (hc_json_get_string (json_array_get_object_element (entries, 1), "type"), ==, "Coverage");
  coverage = hc_json_get_object (json_array_get_object_element (entries, 1), "resource");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (coverage, "beneficiary"), "reference"),
                   ==, reference);
  g_assert_cmpstr (hc_json_get_string (coverage, "subscriberId"), ==, "ZX987654321");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (coverage, "payor"), 0),
                                       "display"), ==, "Acme Mutual");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (coverage, "class"), 0),
                                       "value"), ==, "GRP-0042");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (hc_json_get_object (coverage, "relationship"), "coding"), 0),
                                       "code"), ==, "spouse");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (coverage, "period"), "start"), ==, "2025-01-01");

  patient = get_resource (f->store, "Patient", id);
  g_assert_cmpstr (hc_json_get_string (patient, "birthDate"), ==, "1975-09-21");
  g_assert_cmpstr (hc_json_get_string (patient, "gender"), ==, "male");
  {
    JsonObject *extension = hc_json_array_get_object (hc_json_get_array (patient, "extension"), 0);

    g_assert_cmpstr (hc_json_get_string (extension, "url"), ==,
                     "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity");
    g_assert_cmpstr (hc_json_get_string (hc_json_get_object (extension, "valueCodeableConcept"), "text"),
                     ==, "Man");
  }
  {
    JsonObject *name = hc_json_array_get_object (hc_json_get_array (patient, "name"), 0);
    JsonArray *given = hc_json_get_array (name, "given");
    JsonObject *contact = hc_json_array_get_object (hc_json_get_array (patient, "contact"), 0);

    g_assert_cmpstr (hc_json_get_string (name, "family"), ==, "Okonkwo");
    g_assert_cmpuint (json_array_get_length (given), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (given, 1), ==, "Emeka");
    g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (patient, "identifier"), 0),
                                         "value"), ==, "MRN-555001");
    g_assert_cmpstr (hc_json_get_string (hc_json_get_object (contact, "name"), "text"), ==, "Ngozi Okonkwo");
    g_assert_cmpuint (json_array_get_length (hc_json_get_array (contact, "relationship")), ==, 2);
    g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (contact, "telecom"), 0),
                                         "value"), ==, "(555) 014-9999");
    g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (patient, "address"), 0),
                                         "city"), ==, "Springfield");
  }

  /* the window opened the new chart */
  hc_test_ui_drain ();
  g_assert_cmpstr (_hc_window_get_content_state (f->window), ==, "patient");
  g_assert_cmpstr (hc_patient_get_id (hc_window_get_patient (f->window)), ==, id);
  g_assert_cmpstr (_hc_window_get_shown_name (f->window), ==, "Okonkwo, Chidi Emeka");
  hc_test_ui_save_screenshot (GTK_WIDGET (f->window), "patient-registered");
}

/* An impossible or future birth date is refused inline; nothing is written, nothing lost. */
static void
test_invalid_birth_date (Fixture       *f,
                         gconstpointer  data)
{
  guint before = hc_test_ui_outbox_length (f->store);
  HcPatientEditor *editor = open_editor (f, "win.new-patient");
  const char *bad[] = { "1961-02-30", "21.09.1975", "2999-01-01", "" };

  set_text (editor, "family", "Okonkwo");
  set_text (editor, "given", "Chidi");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      set_text (editor, "birth", bad[i]);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
      hc_test_ui_drain ();
      g_assert_nonnull (_hc_patient_editor_get_birth_error (editor));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (editor)));
      g_assert_cmpstr (get_text (editor, "birth"), ==, bad[i]);
      g_assert_cmpstr (get_text (editor, "family"), ==, "Okonkwo");
      g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before);
    }
  set_text (editor, "birth", "1961-02-30");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  hc_test_ui_drain ();
  g_assert_nonnull (strstr (_hc_patient_editor_get_birth_error (editor), "Not a date"));
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "patient-editor-bad-birth-date");

  /* corrected, it saves */
  set_text (editor, "birth", "1961-02-28");
  save (editor, "editor.save");
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before + 1);
}

/* Same family name and birth date, a similar given name: a warning with the registered
 * patient, who can be opened instead; or the new one saved anyway. */
static void
test_duplicate_warns (Fixture       *f,
                      gconstpointer  data)
{
  guint before = hc_test_ui_outbox_length (f->store);
  HcPatientEditor *editor = open_editor (f, "win.new-patient");
  const char *text;

  set_text (editor, "family", "MÜLLER");
  set_text (editor, "given", "Anne");
  set_text (editor, "birth", "1961-05-04");
  save (editor, "editor.save");
  text = _hc_patient_editor_get_duplicate_text (editor);
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "Müller, Anna Maria"));
  g_assert_nonnull (strstr (text, "MRN-100200"));
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before);
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "patient-editor-duplicate");

  /* open the registered one instead */
  g_object_ref (editor);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.open-duplicate", NULL));
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_object_unref (editor);
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before);
  g_assert_cmpstr (hc_patient_get_id (hc_window_get_patient (f->window)), ==, "p-mueller");

  /* a different birth date is no duplicate; a different given name neither */
  editor = open_editor (f, "win.new-patient");
  set_text (editor, "family", "Müller");
  set_text (editor, "given", "Thomas");
  set_text (editor, "birth", "1961-05-04");
  g_object_ref (editor);
  save (editor, "editor.save");
  g_assert_null (_hc_patient_editor_get_duplicate_text (editor));
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_object_unref (editor);
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before + 1);

  /* the same person again: saved anyway on request */
  editor = open_editor (f, "win.new-patient");
  set_text (editor, "family", "Muller");
  set_text (editor, "given", "Anna");
  set_text (editor, "birth", "1961-05-04");
  save (editor, "editor.save");
  g_assert_nonnull (_hc_patient_editor_get_duplicate_text (editor));
  g_object_ref (editor);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save-anyway", NULL));
  /* Escape at once: the editor waits for the save, and the patient is kept */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "window.close", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (editor)));
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_object_unref (editor);
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before + 2);
}

static JsonObject *
without (JsonObject *object,
         const char *member)
{
  JsonObject *copy = hc_json_object_copy (object);

  if (json_object_has_member (copy, member))
    json_object_remove_member (copy, member);
  return copy;
}

/* Editing one field changes that field only: every other element stays as stored. */
static void
test_edit_keeps_other_fields (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) before = get_resource (f->store, "Patient", "p-mueller");
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) coverage = NULL;
  g_autoptr(JsonObject) a = NULL;
  g_autoptr(JsonObject) b = NULL;
  g_autoptr(HcPatient) patient = hc_patient_editor_make_patient (before);
  guint outbox = hc_test_ui_outbox_length (f->store);
  HcPatientEditor *editor;
  JsonArray *telecom;

  /* nothing to edit without an open chart */
  g_assert_false (g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (f->window),
                                                                    "edit-patient")));
  hc_window_open_patient (f->window, patient);
  g_assert_true (g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (f->window),
                                                                   "edit-patient")));
  editor = open_editor (f, "win.edit-patient");
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_patient_editor_get_serial, editor, 0,
                          "loading the patient");
  g_assert_cmpstr (get_text (editor, "family"), ==, "Müller");
  g_assert_cmpstr (get_text (editor, "given"), ==, "Anna Maria");
  g_assert_cmpstr (get_text (editor, "birth"), ==, "1961-05-04");
  g_assert_cmpstr (get_text (editor, "mrn"), ==, "MRN-100200");
  g_assert_cmpstr (get_text (editor, "phone"), ==, "+49 30 5550101");
  g_assert_cmpstr (get_text (editor, "street"), ==, "Hauptstr. 5");
  g_assert_cmpuint (adw_combo_row_get_selected (_hc_patient_editor_get_combo (editor, "sex")), ==, 1);
  g_assert_cmpuint (_hc_patient_editor_get_n_coverages (editor), ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (_hc_patient_editor_get_coverage_entry (editor, 0, "member")),
                   ==, "BX123456789");
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "patient-editor-edit");

  /* only the home phone changes */
  set_text (editor, "phone", "+49 30 5550102");
  g_object_ref (editor);
  save (editor, "editor.save");
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_object_unref (editor);

  after = get_resource (f->store, "Patient", "p-mueller");
  telecom = hc_json_get_array (after, "telecom");
  g_assert_cmpuint (json_array_get_length (telecom), ==, 3);
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (telecom, 0), "value"), ==, "+49 30 5550102");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (telecom, 0), "use"), ==, "home");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (telecom, 1), "value"), ==, "+49 170 5550199");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (telecom, 2), "value"), ==, "anna@example.org");
  /* everything else as it was (meta aside) */
  a = without (before, "telecom");
  b = without (after, "telecom");
  if (json_object_has_member (a, "meta"))
    json_object_remove_member (a, "meta");
  if (json_object_has_member (b, "meta"))
    json_object_remove_member (b, "meta");
  {
    g_autofree char *x = hc_json_object_to_string (a, FALSE);
    g_autofree char *y = hc_json_object_to_string (b, FALSE);
    g_assert_cmpstr (x, ==, y);
  }
  /* the untouched coverage was not written again: one changeset with the patient only */
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, outbox + 1);
  coverage = get_resource (f->store, "Coverage", "cov-mueller");
  g_assert_cmpstr (hc_json_get_string (coverage, "subscriberId"), ==, "BX123456789");

  /* the window shows the new phone */
  hc_test_ui_drain ();
  g_assert_cmpstr (hc_patient_get_phone (hc_window_get_patient (f->window)), ==, "+49 30 5550102");

  /* a second edit: the insurance's member id and removing it from the list marks it */
  editor = open_editor (f, "win.edit-patient");
  hc_test_ui_wait_serial ((HcTestUiSerial) _hc_patient_editor_get_serial, editor, 0,
                          "loading the patient");
  _hc_patient_editor_remove_coverage (editor, 0);
  g_assert_cmpuint (_hc_patient_editor_get_n_coverages (editor), ==, 0);
  g_object_ref (editor);
  save (editor, "editor.save");
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_object_unref (editor);
  g_clear_pointer (&coverage, json_object_unref);
  coverage = get_resource (f->store, "Coverage", "cov-mueller");
  g_assert_cmpstr (hc_json_get_string (coverage, "status"), ==, "entered-in-error");
}

/* A store that refuses the write: the message is shown in the editor, which keeps every
 * value, and saving again after the cause is gone works. */
static void
test_store_error_inline (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint before = hc_test_ui_outbox_length (f->store);
  HcPatientEditor *editor = open_editor (f, "win.new-patient");

  set_text (editor, "family", "Okonkwo");
  set_text (editor, "given", "Chidi");
  set_text (editor, "birth", "1975-09-21");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.add-coverage", NULL));
  gtk_editable_set_text (_hc_patient_editor_get_coverage_entry (editor, 0, "payor"), "Acme Mutual");
  /* a half-filled insurance is refused before anything is written */
  gtk_editable_set_text (_hc_patient_editor_get_coverage_entry (editor, 0, "start"), "2025-13-01");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  hc_test_ui_drain ();
  g_assert_nonnull (_hc_patient_editor_get_error (editor));
  gtk_editable_set_text (_hc_patient_editor_get_coverage_entry (editor, 0, "start"), "2025-01-01");

  /* the window's store locks underneath (another window's auto-lock): the write fails */
  hc_store_lock (f->store);
  save (editor, "editor.save-anyway");
  g_assert_nonnull (_hc_patient_editor_get_error (editor));
  g_assert_nonnull (strstr (_hc_patient_editor_get_error (editor), "Nothing was saved"));
  g_assert_cmpstr (get_text (editor, "family"), ==, "Okonkwo");
  g_assert_cmpstr (gtk_editable_get_text (_hc_patient_editor_get_coverage_entry (editor, 0, "payor")),
                   ==, "Acme Mutual");
  hc_test_ui_save_screenshot (GTK_WIDGET (editor), "patient-editor-store-error");

  g_assert_true (hc_store_unlock_sync (f->store, HC_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before);
  g_object_ref (editor);
  save (editor, "editor.save-anyway");
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_object_unref (editor);
  g_assert_cmpuint (hc_test_ui_outbox_length (f->store), ==, before + 1);
}

/* Locking the window closes the editor: it shows patient data. */
static void
test_lock_closes_editor (Fixture       *f,
                         gconstpointer  data)
{
  HcPatientEditor *editor = open_editor (f, "win.new-patient");

  set_text (editor, "family", "Okonkwo");
  g_object_ref (editor);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "store.lock", NULL));
  hc_test_ui_wait_destroyed (GTK_WINDOW (editor));
  g_object_unref (editor);
  g_assert_null (hc_test_ui_find_window (HC_TYPE_PATIENT_EDITOR));
  /* and nothing opens one while locked */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-patient", NULL));
  g_assert_null (hc_test_ui_find_window (HC_TYPE_PATIENT_EDITOR));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/hc/ui/patient-editor/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("new-with-coverage", test_new_with_coverage);
  ADD ("invalid-birth-date", test_invalid_birth_date);
  ADD ("duplicate-warns", test_duplicate_warns);
  ADD ("edit-keeps-other-fields", test_edit_keeps_other_fields);
  ADD ("store-error-inline", test_store_error_inline);
  ADD ("lock-closes-editor", test_lock_closes_editor);
#undef ADD

  return g_test_run ();
}
