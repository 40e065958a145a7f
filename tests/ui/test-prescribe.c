/* test-prescribe.c: prescribing, orders and the printed prescription, under Xvfb
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-prescribe"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "hc-json.h"
#include "hc-prescription-print.h"
#include "hc-rx-common.h"
#include "hc-rx-private.h"
#include "hc-store.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

#define TIMEOUT_SECONDS 10
#define PATIENT_ID "p-mueller"

typedef struct
{
  char     *dir;
  HcStore  *store;
  HcWindow *window;
} Fixture;

static const char *chart[] = {
  "{\"resourceType\":\"Patient\",\"id\":\"p-mueller\","
  " \"name\":[{\"use\":\"official\",\"family\":\"Müller\",\"given\":[\"Anna\"]}],"
  " \"gender\":\"female\",\"birthDate\":\"1961-05-04\"}",
  "{\"resourceType\":\"AllergyIntolerance\",\"id\":\"allergy-penicillin\","
  " \"clinicalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical\",\"code\":\"active\"}]},"
  " \"verificationStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification\",\"code\":\"confirmed\"}]},"
  " \"type\":\"allergy\",\"category\":[\"medication\"],\"criticality\":\"high\","
  " \"code\":{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"7984\",\"display\":\"penicillin V\"}],\"text\":\"Penicillin\"},"
  " \"patient\":{\"reference\":\"Patient/p-mueller\"},"
  " \"reaction\":[{\"manifestation\":[{\"text\":\"Hives\"}],\"severity\":\"moderate\"}]}",
  "{\"resourceType\":\"MedicationRequest\",\"id\":\"rx-lisinopril\",\"status\":\"active\",\"intent\":\"order\","
  " \"medicationCodeableConcept\":{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"314076\","
  "   \"display\":\"lisinopril 10 MG Oral Tablet\"}],\"text\":\"Lisinopril 10 mg oral tablet\"},"
  " \"subject\":{\"reference\":\"Patient/p-mueller\"},\"authoredOn\":\"2026-06-01\","
  " \"dosageInstruction\":[{\"sequence\":1,\"text\":\"Take 1 tablet by mouth once daily.\","
  "   \"timing\":{\"repeat\":{\"frequency\":1,\"period\":1,\"periodUnit\":\"d\"}},"
  "   \"route\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"26643006\",\"display\":\"Oral route\"}]},"
  "   \"doseAndRate\":[{\"doseQuantity\":{\"value\":1,\"unit\":\"tablet\"}}]}],"
  " \"dispenseRequest\":{\"numberOfRepeatsAllowed\":3,\"quantity\":{\"value\":90,\"unit\":\"tablet\"}}}",
  "{\"resourceType\":\"MedicationRequest\",\"id\":\"rx-warfarin\",\"status\":\"active\",\"intent\":\"order\","
  " \"medicationCodeableConcept\":{\"text\":\"Warfarin sodium 5 mg oral tablet\"},"
  " \"subject\":{\"reference\":\"Patient/p-mueller\"},\"authoredOn\":\"2026-06-01\"}",
};

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Predicate) (gpointer data);

/* Iterates the main context until @done says so. */
static void
wait_until (Predicate   done,
            gpointer    data,
            const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s did not happen within %d s", what, TIMEOUT_SECONDS);
  g_source_remove (id);
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

typedef struct
{
  HcStore    *store;
  const char *entity;
} AuditWait;

/* The store's audit log has a "print" of w->entity */
static gboolean
printed_audited (gpointer data)
{
  AuditWait *w = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) log = hc_store_list_audit_sync (w->store, 0, 100000, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "action"), "print") == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (entry, "entity", ""),
                     w->entity) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Waits until @window (a dialog that closes itself) is destroyed and finalized. */
static void
wait_closed (gpointer window)
{
  gpointer pointer = window;

  g_object_add_weak_pointer (G_OBJECT (window), &pointer);
  wait_until (is_gone, &pointer, "closing the dialog");
}

static void
put_json (HcStore    *store,
          const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = hc_json_parse (json, strlen (json), &error);
  g_autoptr(JsonObject) stored = NULL;

  g_assert_no_error (error);
  stored = hc_store_put_sync (store, json_node_get_object (node), NULL, &error);
  g_assert_no_error (error);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  hc_test_ui_save_screenshot (widget, name);
}

static gboolean
search_done (gpointer data)
{
  return _hc_window_get_search_serial (data) > 0;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hc-test-prescribe-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, "test passphrase", NULL, &error);
  g_assert_no_error (error);
  hc_store_set_actor (f->store, "dr-test");
  for (guint i = 0; i < G_N_ELEMENTS (chart); i++)
    put_json (f->store, chart[i]);

  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_present (GTK_WINDOW (f->window));
  wait_until (search_done, f->window, "the patient list");
  g_signal_emit_by_name (_hc_window_get_list_view (f->window), "activate", 0);
  g_assert_nonnull (hc_window_get_patient (f->window));
  g_assert_cmpstr (hc_patient_get_id (hc_window_get_patient (f->window)), ==, PATIENT_ID);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  const char *rm[] = { "rm", "-rf", f->dir, NULL };
  gpointer window = f->window, store = f->store;

  gtk_window_destroy (GTK_WINDOW (f->window));
  g_object_add_weak_pointer (window, &window);
  g_object_unref (f->window);
  wait_until (is_gone, &window, "finalizing the window");
  g_object_add_weak_pointer (store, &store);
  g_object_unref (f->store);
  wait_until (is_gone, &store, "finalizing the store");
  g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
  g_free (f->dir);
}

/* The visible toplevel of @type, or NULL. */
static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GListModel) toplevels = gtk_window_get_toplevels ();

  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
has_toplevel (gpointer data)
{
  return find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

static GtkWindow *
wait_for_toplevel (GType type)
{
  wait_until (has_toplevel, GSIZE_TO_POINTER (type), "opening a dialog");
  return find_toplevel (type);
}

static gboolean
prescribe_loaded (gpointer data)
{
  return _hc_prescribe_dialog_get_load_serial (data) > 0;
}

static HcPrescribeDialog *
open_prescribe (Fixture    *f,
                const char *action,
                const char *target)
{
  HcPrescribeDialog *dialog;

  gtk_widget_activate_action (GTK_WIDGET (f->window), action, target ? "s" : NULL, target);
  dialog = HC_PRESCRIBE_DIALOG (wait_for_toplevel (HC_TYPE_PRESCRIBE_DIALOG));
  wait_until (prescribe_loaded, dialog, "loading the catalogs and the chart");
  g_assert_null (_hc_prescribe_dialog_get_error (dialog));
  return dialog;
}

typedef struct
{
  GtkListBox *list;
  const char *name;
} RowQuery;

static GtkListBoxRow *
find_row (GtkListBox *list,
          const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && g_strcmp0 (gtk_widget_get_name (child), name) == 0)
      return GTK_LIST_BOX_ROW (child);
  return NULL;
}

static gboolean
row_shown (gpointer data)
{
  RowQuery *query = data;

  return find_row (query->list, query->name) != NULL;
}

/* Types @text into @search and activates the result row @id. */
static void
pick (GtkEditable *search,
      GtkListBox  *list,
      const char  *text,
      const char  *id)
{
  RowQuery query = { list, id };

  gtk_editable_set_text (search, text);
  wait_until (row_shown, &query, "the search result");
  g_signal_emit_by_name (list, "row-activated", find_row (list, id));
}

static const char *
row_title (GtkListBox *list,
           guint       index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, (int) index);

  g_assert_true (ADW_IS_PREFERENCES_ROW (row));
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* The newest of the patient's resources of @type whose concept @member has a coding @code. */
static JsonObject *
find_in_chart (HcStore    *store,
               const char *type,
               const char *member,
               const char *code)
{
  const char * const types[] = { type, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) list = hc_store_list_chart_sync (store, PATIENT_ID, types, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *resource = hc_json_get_object (hc_json_array_get_object (list, i), "resource");
      JsonObject *concept = hc_json_get_object (resource, member);
      JsonArray *codings;

      /* a list of concepts (category): the first */
      if (concept == NULL)
        concept = hc_json_array_get_object (hc_json_get_array (resource, member), 0);
      codings = concept ? hc_json_get_array (concept, "coding") : NULL;

      for (guint c = 0; codings != NULL && c < json_array_get_length (codings); c++)
        if (g_strcmp0 (hc_json_get_string (hc_json_array_get_object (codings, c), "code"), code) == 0)
          return json_object_ref (resource);
    }
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
  return resource;
}

static void
test_allergy_blocks_signing (Fixture       *f,
                             gconstpointer  data)
{
  HcPrescribeDialog *dialog = open_prescribe (f, "win.prescribe", NULL);
  GtkWidget *sign = _hc_prescribe_dialog_get_sign_button (dialog);
  GtkListBox *drugs = _hc_prescribe_dialog_get_drug_list (dialog);
  GtkEditable *search = _hc_prescribe_dialog_get_search (dialog);
  g_autoptr(JsonObject) request = NULL;
  HcClinicalWarning *warning;
  GPtrArray *warnings;
  JsonObject *dosage;

  g_assert_false (gtk_widget_get_sensitive (sign));
  pick (search, drugs, "amox", "amoxicillin-500-cap");
  g_assert_cmpstr (_hc_prescribe_dialog_get_drug_id (dialog), ==, "amoxicillin-500-cap");

  /* the allergy is shown before signing, and blocks it */
  warnings = _hc_prescribe_dialog_get_warnings (dialog);
  g_assert_cmpuint (warnings->len, ==, 1);
  warning = warnings->pdata[0];
  g_assert_cmpint (warning->kind, ==, HC_CLINICAL_WARNING_ALLERGY);
  g_assert_cmpint (warning->severity, ==, HC_CLINICAL_SEVERITY_HIGH);
  g_assert_cmpstr (warning->culprit, ==, "AllergyIntolerance/allergy-penicillin");
  g_assert_nonnull (strstr (row_title (_hc_prescribe_dialog_get_warning_list (dialog), 0),
                            "Allergy: Penicillin"));
  g_assert_false (gtk_widget_get_sensitive (sign));
  save_screenshot (GTK_WIDGET (dialog), "prescribe-allergy-warning");

  /* a reason unblocks it; taking it back blocks it again */
  gtk_editable_set_text (_hc_prescribe_dialog_get_override (dialog), "Tolerated it in 2024");
  g_assert_true (gtk_widget_get_sensitive (sign));
  gtk_editable_set_text (_hc_prescribe_dialog_get_override (dialog), "  ");
  g_assert_false (gtk_widget_get_sensitive (sign));
  /* clicking anyway does nothing */
  g_signal_emit_by_name (sign, "clicked");
  hc_test_ui_drain ();
  g_assert_null (find_in_chart (f->store, "MedicationRequest", "medicationCodeableConcept",
                                "amoxicillin-500-cap"));

  /* another drug: no warning, and it signs */
  pick (search, drugs, "azithro", "azithromycin-250-tab");
  g_assert_cmpuint (_hc_prescribe_dialog_get_warnings (dialog)->len, ==, 0);
  g_assert_true (gtk_widget_get_sensitive (sign));
  click (sign);
  wait_closed (dialog);

  request = find_in_chart (f->store, "MedicationRequest", "medicationCodeableConcept",
                           "azithromycin-250-tab");
  g_assert_nonnull (request);
  g_assert_cmpstr (hc_json_get_string (request, "status"), ==, "active");
  g_assert_cmpstr (hc_json_get_string (request, "intent"), ==, "order");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (request, "subject"), "reference"), ==,
                   "Patient/" PATIENT_ID);
  g_assert_nonnull (hc_json_get_string (hc_json_get_object (request, "requester"), "display"));
  g_assert_true (g_str_has_prefix (hc_json_get_string (request, "authoredOn"), "20"));
  dosage = hc_json_array_get_object (hc_json_get_array (request, "dosageInstruction"), 0);
  g_assert_cmpstr (hc_json_get_string (dosage, "text"), ==,
                   "Take 1 tablet by mouth once daily for 5 days. Take 2 tablets on the first day.");
  g_assert_null (hc_json_get_array (request, "note"));
  g_assert_null (find_in_chart (f->store, "MedicationRequest", "medicationCodeableConcept",
                                "amoxicillin-500-cap"));
}

static void
test_override_is_recorded (Fixture       *f,
                           gconstpointer  data)
{
  HcPrescribeDialog *dialog = open_prescribe (f, "win.prescribe", NULL);
  g_autoptr(JsonObject) request = NULL;
  g_autofree char *json = NULL;
  JsonObject *note;

  pick (_hc_prescribe_dialog_get_search (dialog), _hc_prescribe_dialog_get_drug_list (dialog),
        "amoxicillin", "amoxicillin-500-cap");
  gtk_editable_set_text (_hc_prescribe_dialog_get_override (dialog),
                         "Tolerated a full course in 2024; skin test negative");
  save_screenshot (GTK_WIDGET (dialog), "prescribe-allergy-override");
  click (_hc_prescribe_dialog_get_sign_button (dialog));
  /* Escape at once: the dialog waits for the save, and the prescription is kept */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  wait_closed (dialog);

  request = find_in_chart (f->store, "MedicationRequest", "medicationCodeableConcept",
                           "amoxicillin-500-cap");
  g_assert_nonnull (request);
  note = hc_json_array_get_object (hc_json_get_array (request, "note"), 0);
  g_assert_nonnull (note);
  g_assert_nonnull (strstr (hc_json_get_string (note, "text"), "Safety warning overridden"));
  g_assert_nonnull (strstr (hc_json_get_string (note, "text"), "skin test negative"));
  json = hc_json_object_to_string (request, FALSE);
  g_assert_nonnull (strstr (json, "urn:housecall:extension:safety-override"));
  g_assert_nonnull (strstr (json, "AllergyIntolerance/allergy-penicillin"));
}

static void
test_interaction_shown (Fixture       *f,
                        gconstpointer  data)
{
  HcPrescribeDialog *dialog = open_prescribe (f, "win.prescribe", NULL);
  HcClinicalWarning *warning;
  GPtrArray *warnings;

  pick (_hc_prescribe_dialog_get_search (dialog), _hc_prescribe_dialog_get_drug_list (dialog),
        "ibu", "ibuprofen-600-tab");
  warnings = _hc_prescribe_dialog_get_warnings (dialog);
  g_assert_cmpuint (warnings->len, ==, 1);
  warning = warnings->pdata[0];
  g_assert_cmpint (warning->kind, ==, HC_CLINICAL_WARNING_INTERACTION);
  g_assert_cmpstr (warning->culprit, ==, "MedicationRequest/rx-warfarin");
  g_assert_false (gtk_widget_get_sensitive (_hc_prescribe_dialog_get_sign_button (dialog)));
  save_screenshot (GTK_WIDGET (dialog), "prescribe-interaction-warning");
  {
    gpointer pointer = dialog;

    g_object_add_weak_pointer (G_OBJECT (dialog), &pointer);
    gtk_window_close (GTK_WINDOW (dialog));
    wait_until (is_gone, &pointer, "closing the dialog");
  }
}

static void
test_change_replaces (Fixture       *f,
                      gconstpointer  data)
{
  HcPrescribeDialog *dialog = open_prescribe (f, "win.change-prescription", "rx-lisinopril");
  g_autoptr(JsonObject) old = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonArray) outbox = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *entries;

  /* filled in from the current order, which is not its own duplicate */
  g_assert_cmpstr (_hc_prescribe_dialog_get_drug_id (dialog), ==, "lisinopril-10-tab");
  g_assert_cmpuint (_hc_prescribe_dialog_get_warnings (dialog)->len, ==, 0);
  pick (_hc_prescribe_dialog_get_search (dialog), _hc_prescribe_dialog_get_drug_list (dialog),
        "lisinopril 20", "lisinopril-20-tab");
  g_assert_cmpuint (_hc_prescribe_dialog_get_warnings (dialog)->len, ==, 0);
  click (_hc_prescribe_dialog_get_sign_button (dialog));
  wait_closed (dialog);

  old = get_resource (f->store, "MedicationRequest", "rx-lisinopril");
  g_assert_cmpstr (hc_json_get_string (old, "status"), ==, "stopped");
  g_assert_nonnull (hc_json_get_string (hc_json_get_object (old, "statusReason"), "text"));
  request = find_in_chart (f->store, "MedicationRequest", "medicationCodeableConcept",
                           "lisinopril-20-tab");
  g_assert_nonnull (request);
  g_assert_cmpstr (hc_json_get_string (request, "status"), ==, "active");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (request, "priorPrescription"),
                                       "reference"), ==, "MedicationRequest/rx-lisinopril");

  /* both in one changeset, the last one */
  outbox = hc_store_list_outbox_sync (f->store, NULL, &error);
  g_assert_no_error (error);
  entries = hc_json_get_array (hc_json_array_get_object (outbox, json_array_get_length (outbox) - 1),
                               "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (entries, 0), "id"), ==,
                   hc_json_get_string (request, "id"));
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (entries, 1), "id"), ==,
                   "rx-lisinopril");
}

typedef struct
{
  HcStore    *store;
  const char *type;
  const char *id;
  const char *status;
} StatusQuery;

static gboolean
has_status (gpointer data)
{
  StatusQuery *query = data;
  g_autoptr(JsonObject) resource = get_resource (query->store, query->type, query->id);

  return g_strcmp0 (hc_json_get_string (resource, "status"), query->status) == 0;
}

/* Answers the reason dialog that @action opened with @reason. */
static void
give_reason (Fixture    *f,
             const char *action,
             const char *id,
             const char *reason,
             const char *screenshot)
{
  AdwMessageDialog *dialog;
  GtkEditable *entry;

  gtk_widget_activate_action (GTK_WIDGET (f->window), action, "s", id);
  dialog = ADW_MESSAGE_DIALOG (wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, HC_RX_RESPONSE_CONFIRM));
  gtk_editable_set_text (entry, reason);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, HC_RX_RESPONSE_CONFIRM));
  if (screenshot != NULL)
    save_screenshot (GTK_WIDGET (dialog), screenshot);
  adw_message_dialog_response (dialog, HC_RX_RESPONSE_CONFIRM);
}

static void
test_stop_with_reason (Fixture       *f,
                       gconstpointer  data)
{
  StatusQuery query = { f->store, "MedicationRequest", "rx-warfarin", "stopped" };
  g_autoptr(JsonObject) stopped = NULL;

  give_reason (f, "win.stop-prescription", "rx-warfarin", "Bleeding risk; switched by cardiology",
               "prescription-stop");
  wait_until (has_status, &query, "stopping the prescription");
  stopped = get_resource (f->store, "MedicationRequest", "rx-warfarin");
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (stopped, "statusReason"), "text"), ==,
                   "Bleeding risk; switched by cardiology");
}

static gboolean
order_loaded (gpointer data)
{
  return _hc_order_dialog_get_load_serial (data) > 0;
}

static void
test_order_and_cancel (Fixture       *f,
                       gconstpointer  data)
{
  HcOrderDialog *dialog;
  GtkWidget *place;
  g_autoptr(JsonObject) order = NULL;
  g_autoptr(JsonObject) revoked = NULL;
  g_autoptr(JsonObject) xray = NULL;
  StatusQuery query = { f->store, "ServiceRequest", NULL, "revoked" };
  JsonObject *note;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-order", NULL);
  dialog = HC_ORDER_DIALOG (wait_for_toplevel (HC_TYPE_ORDER_DIALOG));
  wait_until (order_loaded, dialog, "loading the order catalog");
  place = _hc_order_dialog_get_place_button (dialog);
  pick (_hc_order_dialog_get_search (dialog), _hc_order_dialog_get_test_list (dialog), "a1c",
        "hba1c");
  /* a reason is required */
  g_assert_false (gtk_widget_get_sensitive (place));
  adw_combo_row_set_selected (_hc_order_dialog_get_priority_row (dialog), 1);
  gtk_editable_set_text (_hc_order_dialog_get_reason (dialog), "Type 2 diabetes follow-up");
  save_screenshot (GTK_WIDGET (dialog), "order-dialog");
  click (place);
  /* Escape at once: the dialog waits for the save, and the order is kept */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  wait_closed (dialog);

  order = find_in_chart (f->store, "ServiceRequest", "code", "4548-4");
  g_assert_nonnull (order);
  g_assert_cmpstr (hc_json_get_string (order, "status"), ==, "active");
  g_assert_cmpstr (hc_json_get_string (order, "intent"), ==, "order");
  g_assert_cmpstr (hc_json_get_string (order, "priority"), ==, "urgent");
  g_assert_cmpstr (hc_json_get_string (hc_json_array_get_object (hc_json_get_array (order, "reasonCode"), 0),
                                       "text"), ==, "Type 2 diabetes follow-up");

  /* an imaging study, which has no LOINC code here: the name is the text */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-order", NULL);
  dialog = HC_ORDER_DIALOG (wait_for_toplevel (HC_TYPE_ORDER_DIALOG));
  wait_until (order_loaded, dialog, "loading the order catalog");
  pick (_hc_order_dialog_get_search (dialog), _hc_order_dialog_get_test_list (dialog), "chest",
        "xr-chest-2v");
  gtk_editable_set_text (_hc_order_dialog_get_reason (dialog), "Cough for 4 weeks");
  click (_hc_order_dialog_get_place_button (dialog));
  wait_closed (dialog);
  xray = find_in_chart (f->store, "ServiceRequest", "category", "363679005");
  g_assert_nonnull (xray);
  g_assert_cmpstr (hc_json_get_string (hc_json_get_object (xray, "code"), "text"), ==,
                   "X-ray chest, 2 views (PA and lateral)");
  g_assert_cmpstr (hc_json_get_string (xray, "priority"), ==, "routine");

  query.id = hc_json_get_string (order, "id");
  give_reason (f, "win.cancel-order", query.id, "Done at the hospital last week", "order-cancel");
  wait_until (has_status, &query, "cancelling the order");
  revoked = get_resource (f->store, "ServiceRequest", query.id);
  note = hc_json_array_get_object (hc_json_get_array (revoked, "note"), 0);
  g_assert_nonnull (strstr (hc_json_get_string (note, "text"), "Done at the hospital last week"));
}

static void
test_print_pdf (Fixture       *f,
                gconstpointer  data)
{
  HcPrescribeDialog *dialog = open_prescribe (f, "win.prescribe", NULL);
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "prescription.pdf", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *text = NULL;
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  gsize length;

  pick (_hc_prescribe_dialog_get_search (dialog), _hc_prescribe_dialog_get_drug_list (dialog),
        "doxy", "doxycycline-100-cap");
  click (_hc_prescribe_dialog_get_sign_button (dialog));
  wait_closed (dialog);
  request = find_in_chart (f->store, "MedicationRequest", "medicationCodeableConcept",
                           "doxycycline-100-cap");
  g_assert_nonnull (request);

  g_assert_true (hc_prescription_print (GTK_WINDOW (f->window), f->store, request,
                                        hc_window_get_patient (f->window), path, &error));
  g_assert_no_error (error);
  /* the print is in the audit log (written in the background) */
  {
    g_autofree char *entity = g_strconcat ("MedicationRequest/",
                                           json_object_get_string_member (request, "id"), NULL);

    AuditWait w = { f->store, entity };

    wait_until (printed_audited, &w, "the print's audit entry");
  }
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF"));

  if (pdftotext == NULL)
    {
      g_test_incomplete ("pdftotext (poppler-utils) is not installed: the PDF's text is unchecked");
      return;
    }
  {
    const char *argv[] = { pdftotext, path, "-", NULL };
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &text,
                                 NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
  }
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Doxycycline hyclate 100 mg oral capsule"));
  g_assert_nonnull (strstr (text, "Take 1 capsule by mouth twice daily for 7 days."));
  g_assert_nonnull (strstr (text, "Müller, Anna"));
  g_assert_nonnull (strstr (text, "1961-05-04"));
  g_assert_nonnull (strstr (text, "14 capsule"));
  g_assert_nonnull (strstr (text, "Prescriber"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *clinical = NULL;

  /* untranslated strings, whatever the machine's locale */
  g_setenv ("LANGUAGE", "C", TRUE);
  clinical = g_build_filename (g_getenv ("HOUSECALL_SOURCE_ROOT"), "resources", "clinical", NULL);
  g_setenv ("HOUSECALL_CLINICAL_DIR", clinical, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/hc/ui/prescribe/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("allergy-blocks-signing", test_allergy_blocks_signing);
  ADD ("override-is-recorded", test_override_is_recorded);
  ADD ("interaction-shown", test_interaction_shown);
  ADD ("change-replaces", test_change_replaces);
  ADD ("stop-with-reason", test_stop_with_reason);
  ADD ("order-and-cancel", test_order_and_cancel);
  ADD ("print-pdf", test_print_pdf);
#undef ADD

  return g_test_run ();
}
