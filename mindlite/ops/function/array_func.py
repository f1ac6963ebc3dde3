"""`mindlite.ops.function.array_func`: MindSpore's array functions (shape, indexing,
gather/scatter, creation) that mindlite implements."""
from ._family import export, missing

__all__ = export(globals(), """
    argwhere batch_to_space_nd bincount block_diag broadcast_to cat channel_shuffle chunk
    column_stack concat conj count_nonzero deepcopy diag diagflat diagonal dyn_shape dsplit dstack
    einsum expand_dims flatten flip fliplr flipud gather gather_d gather_elements gather_nd hstack
    hsplit index_add index_fill index_select inplace_add inplace_sub inplace_update masked_fill
    masked_select meshgrid moveaxis movedim narrow nonzero numel one_hot ones ones_like permute rank
    repeat_elements repeat_interleave reshape reverse reverse_sequence roll row_stack scatter
    scatter_nd select sequence_mask shape shuffle size slice sort split squeeze stack strided_slice
    swapaxes swapdims tensor_scatter_add tensor_scatter_update tensor_scatter_div tensor_scatter_max
    tensor_scatter_min tensor_scatter_mul tensor_scatter_sub tensor_scatter_elements tensor_split
    tile topk top_k tril triu transpose unbind unique unique_consecutive unique_with_pad
    unsorted_segment_sum unsqueeze unstack vsplit vstack where zeros zeros_like full full_like
    arange range eye fill linspace cast is_tensor scalar_to_tensor tuple_to_array scalar_cast
    unsorted_segment_max unsorted_segment_min unsorted_segment_prod argsort
""")


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    raise missing(__name__, name)
