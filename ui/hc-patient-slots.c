/* hc-patient-slots.c: the patient list's rows, as a model whose items stay put
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-patient-slots"

#include "config.h"

#include "hc-patient-slots.h"

/* ---- one slot ----------------------------------------------------------------------------- */

struct _HcPatientSlot
{
  GObject    parent_instance;

  /* owned */
  HcPatient *patient;
};

G_DEFINE_FINAL_TYPE (HcPatientSlot, hc_patient_slot, G_TYPE_OBJECT)

enum {
  SLOT_PROP_0,
  SLOT_PROP_PATIENT,
  SLOT_N_PROPS
};

static GParamSpec *slot_properties[SLOT_N_PROPS];

static void
slot_set_patient (HcPatientSlot *self,
                  HcPatient     *patient)
{
  if (g_set_object (&self->patient, patient))
    g_object_notify_by_pspec (G_OBJECT (self), slot_properties[SLOT_PROP_PATIENT]);
}

static HcPatientSlot *
slot_new (HcPatient *patient)
{
  HcPatientSlot *self = g_object_new (HC_TYPE_PATIENT_SLOT, NULL);

  self->patient = g_object_ref (patient);
  return self;
}

static void
hc_patient_slot_dispose (GObject *object)
{
  HcPatientSlot *self = HC_PATIENT_SLOT (object);

  g_clear_object (&self->patient);

  G_OBJECT_CLASS (hc_patient_slot_parent_class)->dispose (object);
}

static void
hc_patient_slot_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  HcPatientSlot *self = HC_PATIENT_SLOT (object);

  switch (prop_id)
    {
    case SLOT_PROP_PATIENT:
      g_value_set_object (value, self->patient);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_patient_slot_class_init (HcPatientSlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hc_patient_slot_dispose;
  object_class->get_property = hc_patient_slot_get_property;

  /**
   * HcPatientSlot:patient:
   *
   * The patient the row shows now.
   */
  slot_properties[SLOT_PROP_PATIENT] =
    g_param_spec_object ("patient", NULL, NULL,
                         HC_TYPE_PATIENT,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, SLOT_N_PROPS, slot_properties);
}

static void
hc_patient_slot_init (HcPatientSlot *self)
{
}

HcPatient *
hc_patient_slot_get_patient (HcPatientSlot *self)
{
  g_return_val_if_fail (HC_IS_PATIENT_SLOT (self), NULL);

  return self->patient;
}

/* ---- the model ---------------------------------------------------------------------------- */

struct _HcPatientSlots
{
  GObject     parent_instance;

  /* owned */
  GListStore *patients;   /* HcPatient: all of the last search's */
  GPtrArray  *slots;      /* HcPatientSlot: the first of them */
  guint       page;
};

static void hc_patient_slots_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HcPatientSlots, hc_patient_slots, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      hc_patient_slots_list_model_init))

static GType
hc_patient_slots_get_item_type (GListModel *model)
{
  return HC_TYPE_PATIENT_SLOT;
}

static guint
hc_patient_slots_get_n_items (GListModel *model)
{
  return HC_PATIENT_SLOTS (model)->slots->len;
}

static gpointer
hc_patient_slots_get_item (GListModel *model,
                           guint       position)
{
  HcPatientSlots *self = HC_PATIENT_SLOTS (model);

  if (position >= self->slots->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->slots, position));
}

static void
hc_patient_slots_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = hc_patient_slots_get_item_type;
  iface->get_n_items = hc_patient_slots_get_n_items;
  iface->get_item = hc_patient_slots_get_item;
}

/* Slots for the patients from the last slot on, at most @max of them; how many were added. */
static guint
add_slots (HcPatientSlots *self,
           guint           max)
{
  guint first = self->slots->len;
  guint n = MIN (g_list_model_get_n_items (G_LIST_MODEL (self->patients)) - first, max);

  for (guint i = first; i < first + n; i++)
    {
      g_autoptr(HcPatient) patient = g_list_model_get_item (G_LIST_MODEL (self->patients), i);

      g_ptr_array_add (self->slots, slot_new (patient));
    }
  return n;
}

static void
hc_patient_slots_finalize (GObject *object)
{
  HcPatientSlots *self = HC_PATIENT_SLOTS (object);

  g_clear_object (&self->patients);
  g_clear_pointer (&self->slots, g_ptr_array_unref);

  G_OBJECT_CLASS (hc_patient_slots_parent_class)->finalize (object);
}

static void
hc_patient_slots_class_init (HcPatientSlotsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hc_patient_slots_finalize;
}

static void
hc_patient_slots_init (HcPatientSlots *self)
{
  self->patients = g_list_store_new (HC_TYPE_PATIENT);
  self->slots = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * hc_patient_slots_new:
 * @page: how many patients get slots at first, and at each hc_patient_slots_show_more()
 *
 * Returns: (transfer full): a new, empty model
 */
HcPatientSlots *
hc_patient_slots_new (guint page)
{
  HcPatientSlots *self;

  g_return_val_if_fail (page > 0, NULL);

  self = g_object_new (HC_TYPE_PATIENT_SLOTS, NULL);
  self->page = page;
  return self;
}

void
hc_patient_slots_set_patients (HcPatientSlots *self,
                               GListModel     *patients)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint old_n, old_shown, shown, kept;

  g_return_if_fail (HC_IS_PATIENT_SLOTS (self));
  g_return_if_fail (patients == NULL || G_IS_LIST_MODEL (patients));

  for (guint i = 0; patients != NULL && i < g_list_model_get_n_items (patients); i++)
    g_ptr_array_add (items, g_list_model_get_item (patients, i));
  old_n = g_list_model_get_n_items (G_LIST_MODEL (self->patients));
  if (old_n > 0 || items->len > 0)
    g_list_store_splice (self->patients, 0, old_n, items->pdata, items->len);

  /* the rows there are: the new patients in place */
  old_shown = self->slots->len;
  shown = MIN (items->len, self->page);
  kept = MIN (old_shown, shown);
  for (guint i = 0; i < kept; i++)
    slot_set_patient (g_ptr_array_index (self->slots, i), g_ptr_array_index (items, i));

  /* and as many more or fewer as needed */
  if (shown < old_shown)
    {
      g_ptr_array_remove_range (self->slots, shown, old_shown - shown);
      g_list_model_items_changed (G_LIST_MODEL (self), shown, old_shown - shown, 0);
    }
  else if (shown > old_shown)
    {
      add_slots (self, shown - old_shown);
      g_list_model_items_changed (G_LIST_MODEL (self), old_shown, 0, shown - old_shown);
    }
}

GListModel *
hc_patient_slots_get_patients (HcPatientSlots *self)
{
  g_return_val_if_fail (HC_IS_PATIENT_SLOTS (self), NULL);

  return G_LIST_MODEL (self->patients);
}

gboolean
hc_patient_slots_show_more (HcPatientSlots *self)
{
  guint shown, added;

  g_return_val_if_fail (HC_IS_PATIENT_SLOTS (self), FALSE);

  shown = self->slots->len;
  added = add_slots (self, self->page);
  if (added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), shown, 0, added);
  return added > 0;
}
