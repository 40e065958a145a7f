/* test-patient-slots.c: the patient list keeps its rows from search to search
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-patient-slots"

#include "config.h"

#include <adwaita.h>

#include "hc-patient-row.h"
#include "hc-patient-slots.h"
#include "hc-test-ui.h"
#include "hc-window-private.h"

#define N_PATIENTS 120
#define PAGE 50   /* PATIENT_PAGE in hc-window.c */

typedef struct
{
  guint position, removed, added;
} Change;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static void
assert_changes (GArray *changes,
                guint   position,
                guint   removed,
                guint   added)
{
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, position);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, removed);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, added);
  g_array_set_size (changes, 0);
}

/* @n patients whose ids start with @prefix */
static GListModel *
make_patients (const char *prefix,
               guint       n)
{
  GListStore *store = g_list_store_new (HC_TYPE_PATIENT);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%03u", prefix, i);
      g_autoptr(HcPatient) patient = hc_patient_new (id, "Family", "Given", "1970-01-01", "female",
                                                     NULL, NULL);

      g_list_store_append (store, patient);
    }
  return G_LIST_MODEL (store);
}

/* The id of the patient in the slot at @position (the slot keeps it alive). */
static const char *
slot_id (GListModel *slots,
         guint       position)
{
  g_autoptr(HcPatientSlot) slot = g_list_model_get_item (slots, position);

  return hc_patient_get_id (hc_patient_slot_get_patient (slot));
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_model (void)
{
  g_autoptr(HcPatientSlots) slots = hc_patient_slots_new (PAGE);
  g_autoptr(GListModel) many = make_patients ("a", N_PATIENTS);
  g_autoptr(GListModel) few = make_patients ("b", 30);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GArray) patient_changes = g_array_new (FALSE, FALSE, sizeof (Change));
  GListModel *model = G_LIST_MODEL (slots);
  GListModel *patients = hc_patient_slots_get_patients (slots);
  g_autoptr(HcPatientSlot) first = NULL;
  guint notified = 0;

  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);
  g_signal_connect (patients, "items-changed", G_CALLBACK (items_changed_cb), patient_changes);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_true (g_list_model_get_item_type (model) == HC_TYPE_PATIENT_SLOT);

  /* a page of rows for a long result; all of it in the patients */
  hc_patient_slots_set_patients (slots, many);
  assert_changes (changes, 0, 0, PAGE);
  assert_changes (patient_changes, 0, 0, N_PATIENTS);
  g_assert_cmpuint (g_list_model_get_n_items (patients), ==, N_PATIENTS);
  g_assert_cmpstr (slot_id (model, 0), ==, "a-000");
  g_assert_cmpstr (slot_id (model, PAGE - 1), ==, "a-049");
  g_assert_null (g_list_model_get_item (model, PAGE));

  /* a shorter one: the same slots show the new patients, the tail goes */
  first = g_list_model_get_item (model, 0);
  g_signal_connect (first, "notify::patient", G_CALLBACK (count_notify_cb), &notified);
  hc_patient_slots_set_patients (slots, few);
  assert_changes (changes, 30, PAGE - 30, 0);
  assert_changes (patient_changes, 0, N_PATIENTS, 30);
  g_assert_cmpuint (notified, ==, 1);
  {
    g_autoptr(HcPatientSlot) again = g_list_model_get_item (model, 0);

    g_assert_true (again == first);
  }
  g_assert_cmpstr (hc_patient_get_id (hc_patient_slot_get_patient (first)), ==, "b-000");
  g_assert_cmpstr (slot_id (model, 29), ==, "b-029");
  g_assert_false (hc_patient_slots_show_more (slots));
  g_assert_cmpuint (changes->len, ==, 0);

  /* the same patients again: nothing to tell the rows */
  hc_patient_slots_set_patients (slots, few);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (changes->len, ==, 0);
  g_array_set_size (patient_changes, 0);

  /* longer again, then the next pages on demand */
  hc_patient_slots_set_patients (slots, many);
  assert_changes (changes, 30, 0, PAGE - 30);
  g_assert_true (hc_patient_slots_show_more (slots));
  assert_changes (changes, PAGE, 0, PAGE);
  g_assert_true (hc_patient_slots_show_more (slots));
  assert_changes (changes, 2 * PAGE, 0, N_PATIENTS - 2 * PAGE);
  g_assert_cmpstr (slot_id (model, N_PATIENTS - 1), ==, "a-119");
  g_assert_false (hc_patient_slots_show_more (slots));
  g_assert_cmpuint (changes->len, ==, 0);

  /* a new search starts at one page again */
  hc_patient_slots_set_patients (slots, many);
  assert_changes (changes, PAGE, N_PATIENTS - PAGE, 0);

  /* and nothing */
  hc_patient_slots_set_patients (slots, NULL);
  assert_changes (changes, 0, PAGE, 0);
  g_assert_cmpuint (g_list_model_get_n_items (patients), ==, 0);
  g_array_set_size (patient_changes, 0);
  hc_patient_slots_set_patients (slots, NULL);
  g_assert_cmpuint (changes->len, ==, 0);
  g_assert_cmpuint (patient_changes->len, ==, 0);
}

/* ---- in a window -------------------------------------------------------------------------- */

typedef struct
{
  char     *dir;
  HcStore  *store;
  HcWindow *window;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("hc-test-patient-slots-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = hc_store_open_sync (f->dir, HC_STORE_OPEN_CREATE, "test passphrase", NULL, &error);
  g_assert_no_error (error);
  /* a third of them Bergers */
  for (guint i = 0; i < N_PATIENTS; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"resourceType\":\"Patient\",\"id\":\"p-%03u\","
                                               "\"name\":[{\"family\":\"%s\",\"given\":"
                                               "[\"Anna\"]}],\"birthDate\":\"1970-01-01\"}",
                                               i, i % 3 == 0 ? "Berger" : "Keller");

      hc_test_ui_put (f->store, json);
    }
  f->window = g_object_ref (hc_window_new (NULL, f->store));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1024, 600);
  gtk_window_present (GTK_WINDOW (f->window));
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

static gboolean
searched (gpointer data)
{
  return _hc_window_get_search_serial (data) > 0 &&
         gtk_widget_get_height (GTK_WIDGET (_hc_window_get_list_view (data))) > 0;
}

static gboolean
found_bergers (gpointer data)
{
  return g_strcmp0 (_hc_window_get_completed_query (data), "berger") == 0;
}

static gboolean
listed_everyone (gpointer data)
{
  return g_strcmp0 (_hc_window_get_completed_query (data), "") == 0;
}

static gboolean
more_rows (gpointer data)
{
  GtkSelectionModel *shown = gtk_list_view_get_model (_hc_window_get_list_view (data));

  return g_list_model_get_n_items (G_LIST_MODEL (shown)) > PAGE;
}

/* The patient rows the list view has, in order. */
static GPtrArray *
rows (HcWindow *window)
{
  GPtrArray *out = g_ptr_array_new ();

  GtkWidget *list = GTK_WIDGET (_hc_window_get_list_view (window));

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (HC_IS_PATIENT_ROW (gtk_widget_get_first_child (child)))
      g_ptr_array_add (out, gtk_widget_get_first_child (child));
  return out;
}

static void
test_rows_stay (Fixture       *f,
                gconstpointer  data)
{
  GtkListView *list = _hc_window_get_list_view (f->window);
  GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (list));
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(HcPatient) first = NULL;

  /* every patient found, a page of them with rows */
  hc_test_ui_wait_until (f->window, searched, "the first search");
  hc_test_ui_drain ();
  g_assert_cmpuint (g_list_model_get_n_items (_hc_window_get_results (f->window)), ==, N_PATIENTS);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, PAGE);
  before = rows (f->window);
  g_assert_cmpuint (before->len, >, 0);
  g_assert_cmpuint (before->len, <=, PAGE);

  /* a search: the rows are the same widgets, showing the Bergers */
  gtk_editable_set_text (_hc_window_get_search_entry (f->window), "berger");
  hc_test_ui_wait_until (f->window, found_bergers, "the search for Bergers");
  hc_test_ui_drain ();
  g_assert_cmpuint (g_list_model_get_n_items (_hc_window_get_results (f->window)), ==,
                    N_PATIENTS / 3);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, N_PATIENTS / 3);
  after = rows (f->window);
  g_assert_cmpuint (after->len, >, 0);
  for (guint i = 0; i < after->len; i++)
    g_assert_true (g_ptr_array_find (before, after->pdata[i], NULL));
  first = g_list_model_get_item (_hc_window_get_results (f->window), 0);
  g_assert_true (hc_patient_row_get_patient (after->pdata[0]) == first);
  g_assert_cmpstr (hc_patient_get_family (first), ==, "Berger");

  /* all of them again, and scrolled to the end: the next page gets rows */
  gtk_editable_set_text (_hc_window_get_search_entry (f->window), "");
  hc_test_ui_wait_until (f->window, listed_everyone, "the search for everyone");
  while (g_list_model_get_n_items (shown) != PAGE ||
         gtk_adjustment_get_upper (adjustment) <= gtk_adjustment_get_page_size (adjustment))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (more_rows (f->window));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  hc_test_ui_wait_until (f->window, more_rows, "rows for the next page");
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/hc/ui/patient-slots/model", test_model);
  g_test_add ("/hc/ui/patient-slots/rows-stay", Fixture, NULL, fixture_setup, test_rows_stay,
              fixture_teardown);
  return g_test_run ();
}
